import { badInput, codingsOf, fhirInstant, firstCodingOf, resourceId, tally, type BundleView, type FhirIngestor, type IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { ENCOUNTER_STATUS_CODES, Encounter, type EncounterStatus } from '../encounter/encounter.entity';

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
    reasons: codingsOf(resource.reasonCode),
    periodStart,
    periodEnd,
    participantPractitionerIds: [...practitioners],
  };
}

/**
 * Persists the Encounters of a bundle into the clinical schema, inside the importer's
 * transaction: one query for the existing rows, then inserts and updates in one flush.
 * Importing the same bundle again updates in place (ids derive from the FHIR ids).
 */
export const clinicalIngestor: FhirIngestor = {
  subgraph: 'clinical',
  resourceTypes: ['Encounter'],
  async ingest(em: EntityManager, resources, bundle): Promise<IngestCounts> {
    const counts: IngestCounts = {};
    const encounters = resources.filter((resource): resource is FhirEncounter => resource.resourceType === 'Encounter');
    if (!encounters.length) return counts;

    const ids = encounters.map((resource) => {
      if (!resource.id) throw badInput('Encounter.id', 'Encounter.id is required');
      return resourceId('Encounter', resource.id);
    });
    const rows = new Map((await em.find(Encounter, { id: { $in: [...new Set(ids)] } })).map((row) => [row.id, row]));

    encounters.forEach((resource, index) => {
      const id = ids[index];
      const data = encounterData(resource, bundle);
      const existing = rows.get(id);
      if (existing) em.assign(existing, data);
      else rows.set(id, em.create(Encounter, { id, ...data }));
      tally(counts, 'Encounter', !existing);
    });
    await em.flush();
    return counts;
  },
};
