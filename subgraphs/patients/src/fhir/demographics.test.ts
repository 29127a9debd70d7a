import type { Organization as FhirOrganization, Patient as FhirPatient } from '@medplum/fhirtypes';
import { OrganizationType } from '../organization/organization.entity';
import { birthDate, deceased, identifiers, language, organizationType } from './demographics';
import { derivedMrn } from './derived';

const org = (name: string, code?: string): FhirOrganization => ({
  resourceType: 'Organization',
  name,
  type: code ? [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code }] }] : undefined,
});

describe('FHIR demographics mapping', () => {
  it.each([
    ['MASSACHUSETTS GENERAL HOSPITAL', 'prov', OrganizationType.HOSPITAL],
    ['TUFTS MEDICAL CENTER', 'prov', OrganizationType.HOSPITAL],
    ['MERCY MEDICAL CTR', 'prov', OrganizationType.HOSPITAL],
    ['CONCENTRA URGENT CARE - EAST BOSTON', 'prov', OrganizationType.PRACTICE],
    ['RIVER BEND MEDICAL GROUP', 'prov', OrganizationType.PRACTICE],
    ['Downtown Clinic', 'prov', OrganizationType.PRACTICE],
    ['Blue Cross', 'pay', OrganizationType.PAYER],
    ['Aetna', 'ins', OrganizationType.PAYER],
    ['Radiology Department', 'dept', OrganizationType.OTHER],
    ['Cottage Hospital', undefined, OrganizationType.HOSPITAL],
  ])('types %s (%s) as %s', (name, code, type) => {
    expect(organizationType(org(name, code))).toBe(type);
  });

  it('keeps only full birth dates, death as flag and time, the preferred language', () => {
    expect(birthDate('1970-04-01')).toBe('1970-04-01');
    expect(birthDate('1970-04')).toBeNull();
    expect(birthDate('1970')).toBeNull();
    const patient: FhirPatient = {
      resourceType: 'Patient',
      deceasedDateTime: '2001-02-03T04:05:06+02:00',
      communication: [{ language: { coding: [{ code: 'en-US' }] } }, { language: { coding: [{ code: 'fr' }] }, preferred: true }],
    };
    expect(deceased(patient)).toEqual({ deceased: true, deceasedAt: new Date('2001-02-03T02:05:06Z') });
    expect(deceased({ resourceType: 'Patient', deceasedBoolean: true })).toEqual({ deceased: true, deceasedAt: null });
    expect(language(patient)).toBe('fr');
  });

  it('drops identifiers without system or value and repeats, keeping the type code', () => {
    expect(identifiers([
      { system: 'urn:a', value: '1', type: { coding: [{ code: 'MR' }] } },
      { system: 'urn:a', value: '1' },
      { value: '2' },
      { system: 'urn:b' },
    ])).toEqual([{ system: 'urn:a', value: '1', type: 'MR' }]);
  });

  it('derives a stable 16-digit MRN per (organization, patient)', () => {
    const a = derivedMrn('c44f361c-2efb-3050-8f97-0354a12e2920', '616eaeb2-a67a-44e5-a7e6-9bbd85e47c5c');
    expect(a).toMatch(/^\d{16}$/);
    expect(derivedMrn('c44f361c-2efb-3050-8f97-0354a12e2920', '616eaeb2-a67a-44e5-a7e6-9bbd85e47c5c')).toBe(a);
    expect(derivedMrn('c44f361c-2efb-3050-8f97-0354a12e2921', '616eaeb2-a67a-44e5-a7e6-9bbd85e47c5c')).not.toBe(a);
  });
});
