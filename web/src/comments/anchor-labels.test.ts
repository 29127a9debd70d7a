import { anchorRecordLabel } from './anchor-labels';

describe('anchor labels', () => {
  it('names records as the chart names them', () => {
    const at = '2024-09-19T10:00:00Z';
    expect(anchorRecordLabel({ __typename: 'Observation', id: 'o', effectiveAt: at, code: { code: '85354-9', display: 'Blood pressure panel with all children optional' } })).toBe('Blood pressure of Sep 19, 2024');
    expect(anchorRecordLabel({ __typename: 'DiagnosticReport', id: 'r', effectiveAt: at, code: { code: '57698-3', display: 'Lipid panel' } })).toBe('Lipid panel of Sep 19, 2024');
    expect(anchorRecordLabel({ __typename: 'Condition', id: 'c', onsetAt: at, code: { code: '44054006', display: 'Diabetes' } })).toBe('Diabetes, since Sep 19, 2024');
    expect(anchorRecordLabel({ __typename: 'Condition', id: 'c', onsetAt: null, code: { code: '44054006', display: null } })).toBe('44054006');
    expect(anchorRecordLabel({ __typename: 'MedicationRequest', id: 'm', authoredOn: at, code: { code: '860975', display: 'Metformin' } })).toBe('Metformin, prescribed Sep 19, 2024');
    expect(anchorRecordLabel({ __typename: 'AllergyIntolerance', id: 'a', code: { code: '7980', display: 'Penicillin' } })).toBe('allergy to Penicillin');
    expect(anchorRecordLabel({ __typename: 'Encounter', id: 'e', periodStart: at, classCode: 'AMB', type: null })).toBe('AMB visit of Sep 19, 2024');
  });

  it('names nothing it could not read, nor a claim', () => {
    expect(anchorRecordLabel(null)).toBeNull();
    expect(anchorRecordLabel({ __typename: 'Claim' })).toBeNull();
  });
});
