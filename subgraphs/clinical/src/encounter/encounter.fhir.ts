import { badInput, codingsOf, fhirInstant, firstCodingOf, type BundleView } from '@caregraph/platform';
import type { Encounter as FhirEncounter } from '@medplum/fhirtypes';
import type { FhirMapper } from '../feature';
import { upsertResources } from '../fhir/upsert';
import { ENCOUNTER_STATUS_CODES, Encounter, type EncounterStatus } from './encounter.entity';

/** Our row for one FHIR Encounter. References resolve through the bundle (urn:uuid or Type/id). */
function encounterData(resource: FhirEncounter, bundle: BundleView) {
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

/** The Encounter side of the import (the encounter feature's FHIR mapper). */
export const encounterMapper: FhirMapper = {
  resourceType: 'Encounter',
  ingest: (em, resources, bundle) => upsertResources(em, Encounter, 'Encounter', resources, (resource: FhirEncounter) => encounterData(resource, bundle)),
};
