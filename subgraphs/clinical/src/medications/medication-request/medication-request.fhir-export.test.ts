import type { Observation } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { MedicationRequest, MedicationRequestIntent, MedicationRequestStatus } from './medication-request.entity';
import { medicationRequestData, medicationRequestToFhir } from './medication-request.fhir';

/** Every fixture MedicationRequest with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, rowOf, roundTrip } = fhirRoundTripOf({ type: 'MedicationRequest', Entity: MedicationRequest, toFhir: medicationRequestToFhir, importData: medicationRequestData });

describe('MedicationRequest FHIR export', () => {
  it('imports back as the same row, for every fixture MedicationRequest (requester, reasons, dosage as received)', () => {
    expect(fixtures.length).toBeGreaterThan(100);
    expect(fixtures.some(({ resource }) => resource.dosageInstruction?.length && resource.reasonReference?.length)).toBe(true);
    for (const { resource, others } of fixtures) {
      const data = medicationRequestData(resource, bundleViewOf([...others, resource]));
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: a prescription written in caregraph (reason codes, dosage text, no requester), an Observation as the reason', () => {
    const { resource, others, chart } = fixtures.find((fixture) => fixture.resource.reasonReference?.length)!;
    const observation = chart.of<Observation>('Observation')[0];
    const data = {
      ...medicationRequestData(resource, bundleViewOf([...others, resource])),
      status: MedicationRequestStatus.ON_HOLD,
      intent: MedicationRequestIntent.PROPOSAL,
      requesterPractitionerId: null,
      dosageText: 'Two puffs when short of breath',
      dosage: [{ text: 'Two puffs when short of breath' }],
      reasons: [{ system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }, { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J45.909', display: null }],
      reasonRecordIds: [idOf(observation)],
    };
    const { exported, data: back } = roundTrip(rowOf(resource, data), others);
    expect(back).toEqual(data);
    // the reason is named by its bundle entry, not as a guessed Condition/<id>
    expect(exported.reasonReference).toEqual([{ reference: `urn:uuid:${idOf(observation)}` }]);
    expect(exported.requester).toBeUndefined();
  });

  it('writes a FHIR R4 MedicationRequest: RxNorm concept, Type/<uuid> references, the source organization', () => {
    const { resource, others } = fixtures.find((fixture) => fixture.resource.dosageInstruction?.length && fixture.resource.reasonReference?.length)!;
    const data = medicationRequestData(resource, bundleViewOf([...others, resource]));
    const { exported } = roundTrip(rowOf(resource, data), others);
    expect(exported).toEqual({
      resourceType: 'MedicationRequest',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      status: resource.status,
      intent: resource.intent,
      medicationCodeableConcept: resource.medicationCodeableConcept,
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      authoredOn: new Date(resource.authoredOn!).toISOString(),
      requester: { reference: `Practitioner/${data.requesterPractitionerId}` },
      reasonReference: data.reasonRecordIds.map((id) => ({ reference: `urn:uuid:${id}` })),
      dosageInstruction: resource.dosageInstruction,
    });
  });
});
