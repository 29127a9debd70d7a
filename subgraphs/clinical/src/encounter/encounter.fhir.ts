import { badInput, codingsOf, fhirInstant, firstCodingOf, type BundleView } from '@caregraph/platform';
import type { Encounter as FhirEncounter } from '@medplum/fhirtypes';
import type { FhirMapper } from '../feature';
import { fhirConcept, fhirDateTime, fhirReference, recordBase } from '../fhir/export';
import { upsertResources } from '../fhir/upsert';
import { ENCOUNTER_STATUS_CODES, Encounter, type EncounterStatus } from './encounter.entity';

const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
/** The v3 ActEncounterCode value set Encounter.class binds to; other stored class codes are local (e.g. WELLNESS). */
const ACT_ENCOUNTER_CODES: ReadonlySet<string> = new Set(['AMB', 'EMER', 'FLD', 'HH', 'IMP', 'ACUTE', 'NONAC', 'OBSENC', 'PRENC', 'SS', 'VR']);

/** Our row for one FHIR Encounter. References resolve through the bundle (urn:uuid or Type/id). */
export function encounterData(resource: FhirEncounter, bundle: BundleView) {
  const patientId = bundle.resolve(resource.subject?.reference);
  if (!patientId) throw badInput('Encounter.subject', 'Encounter.subject must reference the patient');
  const organizationId = bundle.resolve(resource.serviceProvider?.reference);
  if (!organizationId) throw badInput('Encounter.serviceProvider', 'Encounter.serviceProvider must reference the organization');
  if (!ENCOUNTER_STATUS_CODES.includes(resource.status)) throw badInput('Encounter.status', 'Encounter.status is not a FHIR encounter status');
  const classCode = resource.class?.code;
  if (!classCode) throw badInput('Encounter.class', 'Encounter.class must have a code');
  const periodStart = fhirInstant(resource.period?.start, 'Encounter.period.start');
  if (!periodStart) throw badInput('Encounter.period.start', 'Encounter.period.start is required');
  const periodEnd = fhirInstant(resource.period?.end, 'Encounter.period.end');
  if (periodEnd && periodEnd < periodStart) throw badInput('Encounter.period.end', 'Encounter.period.end is before its start');

  const practitioners = new Set<string>();
  for (const participant of resource.participant ?? []) {
    const reference = participant.individual?.reference;
    const id = bundle.resolve(reference);
    if (!id) continue;
    // individual may also be a PractitionerRole or RelatedPerson: keep practitioners only
    const type = bundle.byId.get(id)?.resourceType ?? /^([A-Z][A-Za-z]+)\//.exec(reference ?? '')?.[1];
    if (type === 'Practitioner') practitioners.add(id);
  }

  return {
    patientId,
    organizationId,
    status: resource.status as EncounterStatus,
    classCode,
    type: firstCodingOf(resource.type),
    typeCode: firstCodingOf(resource.type)?.code ?? null,
    locationName: resource.location?.[0]?.location?.display ?? null,
    reasons: codingsOf(resource.reasonCode),
    periodStart,
    periodEnd,
    participantPractitionerIds: [...practitioners],
  };
}

/**
 * Our row as a FHIR Encounter: what encounterData reads back into the same row. We keep the class
 * code only, so it names the v3-ActCode system only for codes of that value set. The visit
 * summary has no Encounter element in R4: it goes as a DocumentReference (visit-summary.fhir.ts).
 */
export function encounterToFhir(row: Encounter): FhirEncounter {
  return {
    resourceType: 'Encounter',
    ...recordBase(row),
    status: row.status,
    class: ACT_ENCOUNTER_CODES.has(row.classCode) ? { system: ACT_CODE_SYSTEM, code: row.classCode } : { code: row.classCode },
    type: row.type ? [fhirConcept(row.type)!] : undefined,
    subject: fhirReference('Patient', row.patientId)!,
    participant: row.participantPractitionerIds.map((id) => ({ individual: fhirReference('Practitioner', id) })),
    period: { start: fhirDateTime(row.periodStart), end: fhirDateTime(row.periodEnd) },
    // each stored reason as its own concept, as the source gave them
    reasonCode: row.reasons.map((reason) => fhirConcept(reason)!),
    // only the name is kept: a Location reference by display
    location: row.locationName ? [{ location: { display: row.locationName } }] : undefined,
    serviceProvider: fhirReference('Organization', row.organizationId),
  };
}

/** The Encounter side of the import and the export (the encounter feature's FHIR mapper). */
export const encounterMapper: FhirMapper = {
  resourceType: 'Encounter',
  ingest: (em, resources, bundle) => upsertResources(em, Encounter, 'Encounter', resources, (resource: FhirEncounter) => encounterData(resource, bundle)),
  export: { entity: Encounter, toFhir: encounterToFhir },
};
