/**
 * @jest-environment jsdom
 */
import { render, screen } from '@testing-library/react';
import type { AllergyBannerPartsFragment } from '../gql/graphql';
import { AllergyBanner } from './AllergyBanner';

const allergy = (id: string, display: string, more: Partial<AllergyBannerPartsFragment> = {}): AllergyBannerPartsFragment => ({
  id, criticality: 'LOW', clinicalStatus: 'ACTIVE', code: { display, code: id }, reactions: [], ...more,
});

describe('AllergyBanner', () => {
  it('names the allergies in force, high-risk ones and their reactions, and leaves out resolved and inactive ones', () => {
    render(<AllergyBanner allergies={[
      allergy('1', 'Peanut', { criticality: 'HIGH', reactions: [{ manifestations: [{ display: 'Anaphylaxis' }, { display: 'Hives' }] }] }),
      allergy('2', 'Latex'),
      allergy('3', 'Penicillin', { clinicalStatus: 'RESOLVED' }),
      allergy('4', 'Dust mite', { clinicalStatus: 'INACTIVE' }),
    ]} />);
    expect(screen.getByRole('note', { name: 'Allergies' }).textContent).toBe('Allergies: Peanut (high risk) — Anaphylaxis, Hives; Latex');
  });

  it('says none are known, not as an alert, when none are in force', () => {
    render(<AllergyBanner allergies={[allergy('3', 'Penicillin', { clinicalStatus: 'RESOLVED' })]} />);
    const note = screen.getByRole('note');
    expect(note.textContent).toBe('No known allergies recorded');
    expect(note.className).toContain('allergy-none');
  });
});
