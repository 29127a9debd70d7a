import { compactFhir, resourceId } from '@caregraph/platform';
import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { Observation, ObservationStatus } from './observation.entity';
import { observationData, observationToFhir } from './observation.fhir';

/** Every fixture Observation with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, importOf, rowOf, roundTrip } = fhirRoundTripOf({ type: 'Observation', Entity: Observation, toFhir: observationToFhir, importData: observationData });

const UCUM = 'http://unitsofmeasure.org';
const bloodPressure = fixtures.find(({ resource }) => resource.code.coding![0].code === '55284-4')!;

describe('Observation FHIR export', () => {
  it('imports back as the same row, for every fixture Observation (quantities, coded values, blood pressure components)', () => {
    expect(fixtures.length).toBe(2756);
    for (const { resource, others } of fixtures) {
      const data = importOf(resource, others);
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: a period, a comparator, words, booleans, integers, interpretation, reference ranges, no encounter or issued', () => {
    const { resource, others } = fixtures[0];
    const base = importOf(resource, others);
    const quantity = (value: number, comparator: string | null = null) => ({ value, unit: 'mg/dL', unitCode: 'mg/dL', system: UCUM, comparator });
    const variants = [
      {
        ...base, effectiveEnd: new Date(base.effectiveAt.getTime() + 3_600_000), issuedAt: null, encounterId: null, status: ObservationStatus.AMENDED,
        valueQuantity: '0.1', valueUnit: 'mg/dL', valueUnitCode: 'mg/dL', valueSystem: UCUM, valueComparator: '<',
        interpretation: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'L', display: 'Low' }],
        referenceRange: [{ low: quantity(70), high: quantity(99), text: null }, { low: null, high: quantity(140, '<='), text: 'fasting' }],
      },
      { ...base, valueQuantity: null, valueUnit: null, valueUnitCode: null, valueSystem: null, valueComparator: null, valueString: 'trace amounts' },
      { ...base, valueQuantity: null, valueUnit: null, valueUnitCode: null, valueSystem: null, valueComparator: null, valueBoolean: false },
      { ...base, valueQuantity: null, valueUnit: null, valueUnitCode: null, valueSystem: null, valueComparator: null, valueInteger: -3 },
      {
        ...base, valueQuantity: null, valueUnit: null, valueUnitCode: null, valueSystem: null, valueComparator: null, categories: [],
        components: [{ code: { system: 'http://loinc.org', code: '8693-4', display: null }, quantity: null, coding: { system: 'http://snomed.info/sct', code: '260385009', display: 'Negative' } }],
      },
    ];
    for (const variant of variants) {
      const expected = { ...variant, category: variant.categories.length ? base.category : null };
      expect(roundTrip(rowOf(resource, expected), others).data).toEqual(expected);
    }
  });

  it('writes a FHIR R4 Observation: LOINC-coded, UCUM units as recorded, Type/<uuid> references, the source organization', () => {
    const { resource, others } = bloodPressure;
    const data = importOf(resource, others);
    const { exported } = roundTrip(rowOf(resource, data), others);
    const [first, second] = resource.component!;
    expect(exported).toEqual({
      resourceType: 'Observation',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '55284-4', display: 'Blood Pressure' }], text: 'Blood Pressure' },
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      effectiveDateTime: new Date(resource.effectiveDateTime!).toISOString(),
      issued: new Date(resource.issued!).toISOString(),
      component: [first, second].map((component) => ({
        code: { coding: component.code.coding, text: component.code.coding![0].display },
        valueQuantity: { value: component.valueQuantity!.value, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
      })),
    });
  });

  it("writes a device reading's device as a contained Device and its reading id as an identifier; a patient's own reading names no source", () => {
    const { resource, others } = fixtures.find(({ resource: candidate }) => candidate.code.coding![0].code === '29463-7')!;
    const row = rowOf(resource, {
      ...importOf(resource, others), organizationId: null, encounterId: null,
      deviceId: resourceId('Device', 'SCALE-0042'), deviceIdentifier: 'SCALE-0042', deviceName: 'Bathroom scale',
      deviceType: { system: 'http://snomed.info/sct', code: '19892000', display: 'Scale' }, deviceReadingId: 'r-17',
    });
    const exported = compactFhir(observationToFhir(row));
    expect(exported.meta).toEqual({ lastUpdated: row.updatedAt.toISOString() });
    expect(exported.encounter).toBeUndefined();
    expect(exported.identifier).toEqual([{ value: 'r-17' }]);
    expect(exported.device).toEqual({ reference: '#device', display: 'Bathroom scale' });
    expect(exported.contained).toEqual([{
      resourceType: 'Device', id: 'device', identifier: [{ value: 'SCALE-0042' }],
      type: { coding: [{ system: 'http://snomed.info/sct', code: '19892000', display: 'Scale' }], text: 'Scale' },
      deviceName: [{ name: 'Bathroom scale', type: 'user-friendly-name' }],
    }]);
  });
});
