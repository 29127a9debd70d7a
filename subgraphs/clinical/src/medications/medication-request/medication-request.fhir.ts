import { badInput, codingsOf, fhirInstant, type BundleView } from '@caregraph/platform';
import type { Encounter as FhirEncounter, Medication, MedicationRequest as FhirMedicationRequest } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirDateTime, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { bundleEntryReference, practitionerIdOf, referencedIds } from '../fhir-helpers';
import { dosageText } from './dosage';
import {
  MEDICATION_REQUEST_INTENT_CODES, MEDICATION_REQUEST_STATUS_CODES, MedicationRequest, type MedicationRequestIntent, type MedicationRequestStatus,
} from './medication-request.entity';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** The medication's coding: medicationCodeableConcept, or the code of a Medication of the bundle; the RxNorm coding first. */
function medicationCodingOf(resource: FhirMedicationRequest, bundle: BundleView) {
  let concept = resource.medicationCodeableConcept;
  if (!concept && resource.medicationReference) {
    const id = bundle.resolve(resource.medicationReference.reference);
    const medication = id ? bundle.byId.get(id) : undefined;
    if (medication?.resourceType === 'Medication') concept = (medication as Medication).code;
  }
  const codings = codingsOf(concept);
  const coding = codings.find((c) => c.system === RXNORM) ?? codings[0];
  if (!coding) throw badInput('MedicationRequest.medication[x]', 'MedicationRequest.medication[x] must be a coded medication (medicationCodeableConcept, or a Medication of the bundle with a code)');
  return coding;
}

/** Our row for one FHIR MedicationRequest. */
export function medicationRequestData(resource: FhirMedicationRequest, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  if (!MEDICATION_REQUEST_STATUS_CODES.includes(resource.status)) throw badInput('MedicationRequest.status', 'MedicationRequest.status is not a FHIR medication request status');
  if (!MEDICATION_REQUEST_INTENT_CODES.includes(resource.intent)) throw badInput('MedicationRequest.intent', 'MedicationRequest.intent is not a FHIR medication request intent');
  const code = medicationCodingOf(resource, bundle);
  // authoredOn is optional in FHIR; lists need a date: fall back to the start of its encounter
  const encounter = encounterId ? (bundle.byId.get(encounterId) as FhirEncounter | undefined) : undefined;
  const authoredOn = fhirInstant(resource.authoredOn, 'MedicationRequest.authoredOn') ?? fhirInstant(encounter?.period?.start, 'Encounter.period.start');
  if (!authoredOn) throw badInput('MedicationRequest.authoredOn', 'MedicationRequest.authoredOn is required (or an encounter with a start)');
  const dosage = resource.dosageInstruction ?? [];
  return {
    patientId,
    organizationId,
    encounterId,
    status: resource.status as MedicationRequestStatus,
    intent: resource.intent as MedicationRequestIntent,
    code,
    codeValue: code.code,
    authoredOn,
    requesterPractitionerId: practitionerIdOf(resource.requester, bundle),
    dosageText: dosageText(dosage),
    dosage,
    reasons: codingsOf(resource.reasonCode),
    reasonRecordIds: referencedIds(resource.reasonReference, bundle),
  };
}

/**
 * Our row as a FHIR MedicationRequest: what medicationRequestData reads back into the same row.
 * The dosage goes out as received (dosageText is derived from it on the way in).
 */
export function medicationRequestToFhir(row: MedicationRequest): FhirMedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    ...recordBase(row),
    status: row.status,
    intent: row.intent,
    medicationCodeableConcept: fhirConcept(row.code),
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    authoredOn: fhirDateTime(row.authoredOn),
    requester: fhirReference('Practitioner', row.requesterPractitionerId),
    // one concept per stored coding: the import keeps the codings, not how they were grouped
    reasonCode: row.reasons.map((reason) => fhirConcept(reason)!),
    reasonReference: row.reasonRecordIds.map(bundleEntryReference),
    dosageInstruction: row.dosage,
  };
}

/** The MedicationRequest side of the import and the export. */
export const medicationRequestMapper: FhirMapper = {
  resourceType: 'MedicationRequest',
  ingest: (em, resources, bundle) =>
    upsertResources(em, MedicationRequest, 'MedicationRequest', resources, (resource: FhirMedicationRequest) => medicationRequestData(resource, bundle)),
  export: { entity: MedicationRequest, toFhir: medicationRequestToFhir },
};
