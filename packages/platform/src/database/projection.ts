import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';

/*
 * Reading only the columns a GraphQL selection needs. A chart list that shows a code and a date
 * need not read, convert and send every jsonb column of its rows: Postgres renders fewer values,
 * the driver parses fewer, and fewer objects are made and collected.
 *
 * A field is known to need the property of its own name (a plain @Field on a persisted property)
 * or what its entity declares here (a getter or a field resolver that reads other properties);
 * a selection with any other field loads every column, so an undeclared field costs speed, never
 * a wrong answer. Declarations go beside the resolvers whose reads they describe, and the chart's
 * projection test checks every field of every chart list against the same records loaded whole.
 */

/** What GraphQL reads of an entity beyond the property each field is named after. */
export interface ReadNeeds {
  /** Properties every read loads: what loaders group by, the access policy asks about, cursors are made of. */
  always?: readonly string[];
  /** Per GraphQL field, the properties it reads where that is not just the property of its own name ([] for none). */
  fields?: Readonly<Record<string, readonly string[]>>;
}

const declared = new Map<Function, { always: Set<string>; fields: Map<string, readonly string[]> }>();

/**
 * Declares what reading `entity` for GraphQL needs (see above). Declarations add up, and a class's
 * count for its subclasses (the shared fields of every chart record are declared once).
 */
export function declareReadNeeds(entity: Function, needs: ReadNeeds): void {
  const entry = declared.get(entity) ?? { always: new Set<string>(), fields: new Map<string, readonly string[]>() };
  needs.always?.forEach((property) => entry.always.add(property));
  for (const [field, properties] of Object.entries(needs.fields ?? {})) entry.fields.set(field, properties);
  declared.set(entity, entry);
}

/** The declarations of `entity` and its superclasses, a subclass's field entry overriding its superclass's. */
function needsOf(entity: Function): { always: Set<string>; fields: Map<string, readonly string[]> } {
  const chain: Function[] = [];
  for (let type = entity; type && type !== Function.prototype; type = Object.getPrototypeOf(type) as Function) chain.unshift(type);
  const always = new Set<string>();
  const fields = new Map<string, readonly string[]>();
  for (const type of chain) {
    const entry = declared.get(type);
    entry?.always.forEach((property) => always.add(property));
    entry?.fields.forEach((properties, field) => fields.set(field, properties));
  }
  return { always, fields };
}

/**
 * The properties of `entity` that a selection of GraphQL `fields` reads, with its key and what it
 * always needs; undefined (read every column) when a field is neither a persisted property of its
 * name nor declared.
 */
export function propertiesForFields(em: EntityManager, entity: EntityClass<object>, fields: Iterable<string>): string[] | undefined {
  const meta = em.getMetadata().get(entity.name);
  const needs = needsOf(entity);
  const properties = new Set<string>([...meta.primaryKeys, ...needs.always]);
  for (const field of fields) {
    if (field.startsWith('__')) continue; // __typename
    const own = needs.fields.get(field);
    if (own) {
      own.forEach((property) => properties.add(property));
      continue;
    }
    const property = meta.properties[field as never] as { kind: string; persist?: boolean; formula?: unknown } | undefined;
    if (!property || property.kind !== 'scalar' || property.persist === false || property.formula) return undefined;
    properties.add(field);
  }
  return [...properties];
}
