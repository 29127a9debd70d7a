import { badInput, resourceId, tally, type FhirResource, type IngestCounts } from '@caregraph/platform';
import type { EntityClass, EntityManager, RequiredEntityData } from '@mikro-orm/postgresql';

/**
 * Inserts or updates one row per FHIR resource of `resourceType` (ids derive from the FHIR ids,
 * so importing a bundle again updates in place): one query for the existing rows, then one flush.
 * `toData` maps a resource to the row's fields and throws BAD_USER_INPUT naming the FHIR field.
 */
export async function upsertResources<E extends { id: string }, R extends FhirResource>(
  em: EntityManager,
  entity: EntityClass<E>,
  resourceType: R['resourceType'],
  resources: readonly FhirResource[],
  toData: (resource: R) => Omit<RequiredEntityData<E>, 'id'>,
): Promise<IngestCounts> {
  const counts: IngestCounts = {};
  const ofType = resources.filter((resource): resource is R => resource.resourceType === resourceType);
  if (!ofType.length) return counts;
  const ids = ofType.map((resource) => {
    if (!resource.id) throw badInput(`${resourceType}.id`, `${resourceType}.id is required`);
    return resourceId(resourceType, resource.id);
  });
  const found = (await em.find(entity, { id: { $in: [...new Set(ids)] } } as never)) as E[];
  const rows = new Map<string, E>(found.map((row) => [row.id, row]));
  ofType.forEach((resource, index) => {
    const id = ids[index];
    const data = toData(resource);
    const existing = rows.get(id);
    if (existing) em.assign(existing, data as never);
    else rows.set(id, em.create(entity, { id, ...data } as never));
    tally(counts, resourceType, !existing);
  });
  await em.flush();
  return counts;
}
