import { anchorRecordLabel, anchorRecordVariables } from './anchor-labels';

describe('anchor labels', () => {
  it('asks for the one record type of the anchor, and none for a claim', () => {
    expect(anchorRecordVariables({ type: 'OBSERVATION', id: 'o1' })).toEqual({
      id: 'o1', observation: true, report: false, condition: false, medication: false, immunization: false, procedure: false, allergy: false, carePlan: false, encounter: false,
    });
    expect(anchorRecordVariables({ type: 'CLAIM', id: 'c1' })).toBeNull();
  });

  it('names records as the chart names them', () => {
    const at = '2024-09-19T10:00:00Z';
    expect(anchorRecordLabel({ observation: { id: 'o', effectiveAt: at, code: { code: '85354-9', display: 'Blood pressure panel with all children optional' } } })).toBe('Blood pressure of Sep 19, 2024');
    expect(anchorRecordLabel({ diagnosticReport: { id: 'r', effectiveAt: at, code: { code: '57698-3', display: 'Lipid panel' } } })).toBe('Lipid panel of Sep 19, 2024');
    expect(anchorRecordLabel({ condition: { id: 'c', onsetAt: at, code: { code: '44054006', display: 'Diabetes' } } })).toBe('Diabetes, since Sep 19, 2024');
    expect(anchorRecordLabel({ condition: { id: 'c', onsetAt: null, code: { code: '44054006', display: null } } })).toBe('44054006');
    expect(anchorRecordLabel({ medicationRequest: { id: 'm', authoredOn: at, code: { code: '860975', display: 'Metformin' } } })).toBe('Metformin, prescribed Sep 19, 2024');
    expect(anchorRecordLabel({ allergyIntolerance: { id: 'a', code: { code: '7980', display: 'Penicillin' } } })).toBe('allergy to Penicillin');
    expect(anchorRecordLabel({ encounter: { id: 'e', periodStart: at, classCode: 'AMB', type: null } })).toBe('AMB visit of Sep 19, 2024');
  });

  it('names nothing it could not read', () => {
    expect(anchorRecordLabel({ observation: null })).toBeNull();
    expect(anchorRecordLabel({})).toBeNull();
  });
});
