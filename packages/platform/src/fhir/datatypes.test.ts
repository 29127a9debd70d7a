import { codingsOf, fhirInstant, firstCodingOf } from './datatypes';

describe('FHIR datatype helpers for ingestors', () => {
  it.each([
    ['2012', '2012-01-01T00:00:00.000Z'],
    ['2012-03', '2012-03-01T00:00:00.000Z'],
    ['2012-03-07', '2012-03-07T00:00:00.000Z'],
    ['2012-03-07T20:15:35+00:00', '2012-03-07T20:15:35.000Z'],
    ['2024-02-29T23:59:59.123-05:00', '2024-03-01T04:59:59.123Z'],
  ])('reads the dateTime %s as %s', (value, iso) => {
    expect(fhirInstant(value, 'Encounter.period.start')!.toISOString()).toBe(iso);
  });

  it.each(['2023-02-29', '2012-13', '2012-03-07T20:15:35', '2012-03-07T25:00:00Z', 'yesterday'])('refuses %s, naming the field', (value) => {
    expect(() => fhirInstant(value, 'Claim.created')).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'Claim.created' } }));
  });

  it('leaves a missing dateTime as null', () => {
    expect(fhirInstant(undefined, 'Encounter.period.end')).toBeNull();
  });

  it('keeps codings exactly, drops codings without a code', () => {
    const concepts = [
      { coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up (procedure)' }, { system: 'x' }] },
      { text: 'free text only' },
      { coding: [{ code: 'AMB' }] },
    ];
    expect(codingsOf(concepts)).toEqual([
      { system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up (procedure)' },
      { system: null, code: 'AMB', display: null },
    ]);
    expect(firstCodingOf(concepts[2])).toEqual({ system: null, code: 'AMB', display: null });
    expect(firstCodingOf(concepts[1])).toBeNull();
  });
});
