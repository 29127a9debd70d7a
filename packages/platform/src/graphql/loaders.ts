import type { EntityClass, EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { findReadOnly } from '../database/read-only';

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
 * `readOnly`: loaded without the unit of work (database/read-only.ts), for reads only.
 */
export async function findByIds<E extends { id: string }>(
  em: EntityManager,
  entity: EntityClass<E>,
  ids: readonly string[],
  where: FilterQuery<E> & object = {} as FilterQuery<E> & object,
  options: { readOnly?: boolean } = {},
): Promise<E[]> {
  const valid = ids.filter((id) => isUuid(id)).map((id) => id.toLowerCase());
  if (!valid.length) return [];
  const filter = { ...where, id: { $in: valid } } as FilterQuery<E>;
  return (options.readOnly ? await findReadOnly(em, entity, filter) : await em.find(entity, filter)) as E[];
}

/** Groups child rows under the requested parent ids (an empty list where none), in row order: a one-to-many DataLoader batch. */
export function groupedBy<T>(ids: readonly string[], rows: readonly T[], parentId: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(ids.map((id) => [id, []]));
  for (const row of rows) groups.get(parentId(row))?.push(row);
  return ids.map((id) => groups.get(id) ?? []);
}
