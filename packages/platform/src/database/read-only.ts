import { Cursor, type EntityClass, type EntityMetadata, type EntityData, type EntityManager, type FilterQuery, type FindOptions } from '@mikro-orm/postgresql';

/*
 * Read-only loading for GraphQL reads that never write back (the chart's lists, trends, links).
 *
 * em.find hydrates each row into an entity and registers it with the unit of work: identity map,
 * per-instance property accessors, a snapshot for change detection. For a chart of a few hundred
 * records that bookkeeping was most of the clinical subgraph's CPU time, and none of it is used by
 * a read. These helpers run the same SQL through the same driver and hydrate rows with the ORM's
 * own compiled hydrator (custom types, jsonb, arrays, decimals converted exactly as em.find would),
 * but do not register the results: they are plain instances of the entity class, detached.
 *
 * Never modify and flush what they return: the unit of work does not know these objects, so a
 * change would be silently dropped. Writes load through em.find as before.
 */

interface EntityManagerInternals {
  processWhere(entityName: string, where: unknown, options: unknown, type: 'read'): Promise<unknown>;
}

/** Rows of `entity` matching `where`, hydrated but not managed (see above). */
export async function findReadOnly<E extends object>(
  em: EntityManager,
  entity: EntityClass<E>,
  where: FilterQuery<E>,
  options: FindOptions<E, never, never, never> = {},
): Promise<E[]> {
  const context = em.getContext();
  const processed = await (context as unknown as EntityManagerInternals).processWhere(entity.name, where, options, 'read');
  const rows = await context.getDriver().find(entity.name, processed as never, {
    ...options,
    orderBy: options.orderBy ?? {},
    populate: [],
    ctx: context.getTransactionContext(),
    em: context,
  } as never);
  return rows.map((row) => hydrateReadOnly(context, entity, row as EntityData<E>));
}

/** A raw result row (column names, as `execute` returns them) as a detached entity. */
export function mapReadOnly<E extends object>(em: EntityManager, entity: EntityClass<E>, row: Record<string, unknown>): E {
  const meta = em.getMetadata().get(entity.name);
  return hydrateReadOnly(em, entity, em.getDriver().mapResult(row as EntityData<E>, meta) as EntityData<E>);
}

/**
 * The prototype of detached instances of one entity class: a child of the class's prototype (so
 * `instanceof` and the class's getters still work) that shadows each persisted property with a
 * plain writable slot. The ORM defines change-tracking setters for those properties on the class
 * prototype; assigning through them gives every instance per-property accessors, which is what
 * made hydration slow. A shadowed assignment is a plain own property.
 */
const detachedPrototypes = new WeakMap<object, object>();

function detachedPrototypeOf(meta: EntityMetadata): object {
  let prototype = detachedPrototypes.get(meta.prototype);
  if (!prototype) {
    prototype = Object.create(meta.prototype) as object;
    for (const prop of meta.props) {
      Object.defineProperty(prototype, prop.name, { value: undefined, writable: true, enumerable: false, configurable: true });
    }
    detachedPrototypes.set(meta.prototype, prototype);
  }
  return prototype;
}

function hydrateReadOnly<E extends object>(em: EntityManager, entity: EntityClass<E>, data: EntityData<E>): E {
  // the ORM's compiled hydrator (custom types, jsonb, arrays, decimals) on a detached instance;
  // the entity factory would also track it in the unit of work, which is what a read does not need
  const meta = em.getMetadata().get(entity.name);
  const instance = Object.create(detachedPrototypeOf(meta)) as E;
  em.config.getHydrator(em.getMetadata()).hydrate(instance, meta, data, em.getEntityFactory(), 'full', false, true);
  return instance;
}

/**
 * One keyset page like em.findByCursor (same cursor format, same overfetch-by-one), loaded read-only.
 * The count, when asked for, runs beside the page.
 */
export async function findPageReadOnly<E extends object>(
  em: EntityManager,
  entity: EntityClass<E>,
  where: FilterQuery<E>,
  options: { first: number; after?: string; orderBy: Record<string, 'asc' | 'desc' | 'ASC' | 'DESC'>; includeCount: boolean },
): Promise<Cursor<E, never, never, never, boolean>> {
  const cursorOptions = { first: options.first, after: options.after, orderBy: options.orderBy, overfetch: true } as never;
  const [items, count] = await Promise.all([
    findReadOnly(em, entity, where, cursorOptions),
    options.includeCount ? em.count(entity, where) : Promise.resolve(undefined),
  ]);
  return new Cursor(items as never[], count, cursorOptions, em.getMetadata().get(entity.name));
}
