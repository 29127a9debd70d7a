import type { EntityClass, EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';

/**
 * Orders batch results like the requested keys (null where missing), as DataLoader requires.
 * Keys are uuids, stored lowercase; a caller may send them in any case.
 */
export function orderByIds<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id.toLowerCase()) ?? null);
}

/**
 * Rows of `entity` whose id is among `ids`, in one query. Ids that are not uuids (a typo, a
 * forged `_entities` representation) cannot exist and never reach Postgres, which would reject them.
 */
export async function findByIds<E extends { id: string }>(
  em: EntityManager,
  entity: EntityClass<E>,
  ids: readonly string[],
  where: FilterQuery<E> & object = {} as FilterQuery<E> & object,
): Promise<E[]> {
  const valid = ids.filter((id) => isUuid(id)).map((id) => id.toLowerCase());
  if (!valid.length) return [];
  return (await em.find(entity, { ...where, id: { $in: valid } } as FilterQuery<E>)) as E[];
}
