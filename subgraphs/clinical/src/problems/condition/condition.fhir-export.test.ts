import type { Practitioner } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { Condition, ConditionCategory, ConditionClinicalStatus, ConditionVerificationStatus } from './condition.entity';
import { conditionData, conditionToFhir } from './condition.fhir';

/** Every fixture Condition with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, rowOf, roundTrip } = fhirRoundTripOf({ type: 'Condition', Entity: Condition, toFhir: conditionToFhir, importData: conditionData });

describe('Condition FHIR export', () => {
  it('imports back as the same row, for every fixture Condition', () => {
    expect(fixtures.length).toBeGreaterThan(100);
    for (const { resource, others } of fixtures) {
      const data = conditionData(resource, bundleViewOf([...others, resource]));
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: an asserting practitioner, an encounter diagnosis, an entry in error (no clinical status), no encounter', () => {
    const { resource, others, chart } = fixtures.find((fixture) => fixture.resource.abatementDateTime)!;
    const data = {
      ...conditionData(resource, bundleViewOf([...others, resource])),
      asserterPractitionerId: idOf(chart.of<Practitioner>('Practitioner')[0]),
      category: ConditionCategory.ENCOUNTER_DIAGNOSIS,
      clinicalStatus: null,
      verificationStatus: ConditionVerificationStatus.ENTERED_IN_ERROR,
    };
    expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    const withoutEncounter = { ...data, encounterId: null, clinicalStatus: ConditionClinicalStatus.RESOLVED, verificationStatus: ConditionVerificationStatus.CONFIRMED };
    expect(roundTrip(rowOf(resource, withoutEncounter), others).data).toEqual(withoutEncounter);
  });

  it('writes a FHIR R4 Condition: coded concepts, Type/<uuid> references, the source organization', () => {
    const { resource, others } = fixtures[0];
    const data = conditionData(resource, bundleViewOf([...others, resource]));
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'Condition',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: data.clinicalStatus }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: data.verificationStatus }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
      code: { coding: [resource.code!.coding![0]], text: resource.code!.coding![0].display },
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      onsetDateTime: data.onsetAt!.toISOString(),
      ...(data.abatementAt ? { abatementDateTime: data.abatementAt.toISOString() } : {}),
      recordedDate: data.recordedAt.toISOString(),
    });
  });
});
