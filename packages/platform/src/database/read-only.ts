import { readStatement } from './read-statement';
import { Cursor, type EntityClass, type EntityMetadata, type EntityData, type EntityProperty, type EntityManager, type FilterQuery, type FindOptions } from '@mikro-orm/postgresql';

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
  const direct = plainReadOf(em, entity, where, options);
  if (direct) return direct;
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
 * The count, when asked for, comes with the page: on the plain path one statement reads both (the
 * count as a subquery Postgres evaluates once), one round trip where two would cost as much again
 * in the client's and the server's per-statement work; otherwise it runs beside the page.
 */
export async function findPageReadOnly<E extends object>(
  em: EntityManager,
  entity: EntityClass<E>,
  where: FilterQuery<E>,
  options: {
    first: number;
    after?: string;
    orderBy: Record<string, 'asc' | 'desc' | 'ASC' | 'DESC'>;
    includeCount: boolean;
    /** Only these properties (and the key and order columns), where the plain path applies; see propertiesForFields. */
    select?: readonly string[];
  },
): Promise<Cursor<E, never, never, never, boolean>> {
  const cursorOptions = { first: options.first, after: options.after, orderBy: options.orderBy, overfetch: true } as never;
  const meta = em.getMetadata().get(entity.name);
  const plain = plainStatementOf(em, entity, where, cursorOptions, { withCount: options.includeCount, select: options.select });
  if (plain) {
    const rows = await readStatement(em, plain.sql, plain.values);
    // no row carries the count when the page is empty: none at all without a cursor, else ask
    const count = !options.includeCount ? undefined
      : rows.length ? (rows[0][COUNT_COLUMN] as number) : options.after === undefined ? 0 : await countReadOnly(em, entity, where);
    return new Cursor(rows.map((row) => plain.reader.read(row)) as never[], count, cursorOptions, meta);
  }
  const [items, count] = await Promise.all([
    findReadOnly(em, entity, where, cursorOptions), // the ORM's path: every column
    options.includeCount ? countReadOnly(em, entity, where) : Promise.resolve(undefined),
  ]);
  return new Cursor(items as never[], count, cursorOptions, meta);
}

/** How many rows of `entity` match `where` (the plain path below when it applies, em.count otherwise). */
export async function countReadOnly<E extends object>(em: EntityManager, entity: EntityClass<E>, where: FilterQuery<E>): Promise<number> {
  const reader = rowReaderOf(em, entity);
  const values: unknown[] = [];
  const condition = reader ? compileWhere(reader, where as Record<string, unknown>, values) : null;
  if (!reader || condition === null) return em.count(entity, where);
  const [row] = await readStatement(em, `select count(*)::int as "count" from ${reader.table} t where ${condition}`, values);
  return row.count as number;
}

/*
 * The plain path. The ORM's query builder, its where-clause processing and its hydrator's
 * change-tracking snapshot (a JSON.stringify of every jsonb value) cost a chart more CPU than
 * reading and parsing its rows. For the shapes chart reads have (a table of scalar columns;
 * equality, `$in`, `$contains` and range conditions; an order and a limit; a keyset cursor), the
 * statement is built here, sent as a prepared statement on a connection of the ORM's own pool,
 * and each row is converted by the properties' own types (decimals, arrays, jsonb)
 * onto a detached instance; inside a transaction, on the transaction's connection (a read sees its
 * writes). Anything else (raw fragments, `$or`, relations, embeddables) goes through the ORM as
 * before. Statements run through read-statement.ts, where the ORM's `onQuery` hook and query log
 * see each.
 */

interface RowReader {
  meta: EntityMetadata;
  /** `"schema"."table"`, as the ORM writes it. */
  table: string;
  /** The select list: every persisted column, `t.`-qualified. */
  columns: string;
  /** The select list of `properties` (key first, in declaration order), or of every column; null when one has no column. */
  columnsFor(properties: readonly string[] | undefined): string | null;
  /** The quoted column of each persisted scalar property. */
  columnOf: Map<string, string>;
  read(row: Record<string, unknown>): object;
}

const rowReaders = new WeakMap<EntityMetadata, RowReader | null>();

/** The plain reader of `entity`, or null when it has anything but plain scalar columns. */
function rowReaderOf(em: EntityManager, entity: EntityClass<object>): RowReader | null {
  const meta = em.getMetadata().get(entity.name);
  let reader = rowReaders.get(meta);
  if (reader === undefined) {
    reader = buildRowReader(em, meta);
    rowReaders.set(meta, reader);
  }
  return reader;
}

function buildRowReader(em: EntityManager, meta: EntityMetadata): RowReader | null {
  const props = meta.props.filter((prop) => prop.persist !== false && !prop.formula);
  const plain = props.every((prop) => prop.kind === 'scalar' && prop.fieldNames?.length === 1 && !prop.hasConvertToJSValueSQL && !prop.embedded && !prop.ref);
  if (!plain || meta.embeddable || meta.virtual || meta.discriminatorColumn) return null;
  const platform = em.getPlatform();
  const timezone = platform.getTimezone();
  // a timestamp without an offset is in the configured timezone, as the ORM's hydrator reads it
  const toDate = (value: unknown): Date => {
    if (value instanceof Date) return value;
    const text = value as string | number;
    // Postgres's UTC text form ("2020-08-03 21:06:17.5+00"), rewritten to ISO 8601: V8 parses that fast
    if (typeof text === 'string' && text.length >= 22 && text.endsWith('+00') && text[10] === ' ') return new Date(`${text.slice(0, 10)}T${text.slice(11, -3)}Z`);
    if (!timezone || timezone === 'local' || typeof text === 'number' || text.includes('+') || text.lastIndexOf('-') > 10 || text.endsWith('Z')) return new Date(text);
    return new Date(text + timezone);
  };
  // the conversions of the ORM's hydrator: the property's own type, else booleans and dates
  const convertOf = (prop: EntityProperty): ((value: unknown) => unknown) | null => {
    if (prop.customType) return (value) => prop.customType!.convertToJSValue(value, platform);
    if (prop.runtimeType === 'boolean') return (value) => !!value;
    if (prop.runtimeType === 'Date' && !platform.isNumericProperty(prop)) return toDate;
    return null;
  };
  const fields = props.map((prop) => ({ name: prop.name, column: prop.fieldNames[0], convert: convertOf(prop) }));
  const prototype = detachedPrototypeOf(meta);
  const schema = meta.schema && meta.schema !== '*' ? meta.schema : em.config.get('schema');
  const columns = fields.map((field) => `t."${field.column}"`).join(', ');
  // one select list per set of properties: the statement text, and so its prepared statement, is stable
  const selectLists = new Map<string, string | null>();
  return {
    meta,
    table: `${schema ? `"${schema}".` : ''}"${meta.tableName}"`,
    columns,
    columnsFor(properties) {
      if (!properties) return columns;
      const wanted = new Set(properties);
      const key = [...wanted].sort().join(',');
      let list = selectLists.get(key);
      if (list === undefined) {
        const known = [...wanted].every((name) => fields.some((field) => field.name === name));
        list = known ? fields.filter((field) => wanted.has(field.name) || meta.primaryKeys.includes(field.name)).map((field) => `t."${field.column}"`).join(', ') : null;
        selectLists.set(key, list);
      }
      return list;
    },
    columnOf: new Map(fields.map((field) => [field.name, `t."${field.column}"`])),
    read(row) {
      const instance = Object.create(prototype) as Record<string, unknown>;
      for (const field of fields) {
        const value = row[field.column];
        instance[field.name] = value == null || !field.convert ? value : field.convert(value);
      }
      return instance;
    },
  };
}

/** The column of a plain page statement that carries the count of the whole filtered list. */
const COUNT_COLUMN = '__count';

/** The plain path for findReadOnly, or null where it does not apply (see above). */
function plainReadOf<E extends object>(em: EntityManager, entity: EntityClass<E>, where: FilterQuery<E>, options: FindOptions<E, never, never, never>): Promise<E[]> | null {
  const plain = plainStatementOf(em, entity, where, options);
  return plain && readStatement(em, plain.sql, plain.values).then((rows) => rows.map((row) => plain.reader.read(row) as E));
}

/**
 * The plain statement of a find (see above), or null where it does not apply. `withCount` adds
 * the count of every row matching `where` (cursor aside) to each row, as COUNT_COLUMN; `select`
 * reads only those properties (with the key and the order's, which cursors are made of).
 */
function plainStatementOf<E extends object>(
  em: EntityManager,
  entity: EntityClass<E>,
  where: FilterQuery<E>,
  options: FindOptions<E, never, never, never>,
  { withCount = false, select }: { withCount?: boolean; select?: readonly string[] } = {},
): { sql: string; values: unknown[]; reader: RowReader } | null {
  const reader = rowReaderOf(em, entity);
  if (!reader) return null;
  const { first, after, orderBy, limit, offset, fields, before, last } = options as FindOptions<E, never, never, never> & { first?: number; after?: string; before?: unknown; last?: unknown };
  if (fields || before || last || offset) return null;
  const columns = reader.columnsFor(select && [...select, ...Object.keys(orderBy ?? {})]);
  if (columns === null) return null;
  const values: unknown[] = [];
  const conditions: string[] = [];
  const condition = compileWhere(reader, where as Record<string, unknown>, values);
  if (condition === null) return null;
  conditions.push(condition);
  const order = Object.entries((orderBy ?? {}) as Record<string, string>).map(([name, direction]) => ({ column: reader.columnOf.get(name), name, descending: /^desc$/i.test(direction) }));
  if (order.some((key) => !key.column)) return null;
  if (after !== undefined) {
    const keyset = compileKeyset(order as { column: string; descending: boolean }[], after, values);
    if (keyset === null) return null;
    conditions.push(keyset);
  }
  // the where's parameters serve the count too: it is the same condition without the cursor
  const count = withCount ? `, (select count(*)::int from ${reader.table} t where ${condition}) as "${COUNT_COLUMN}"` : '';
  const rowLimit = first !== undefined ? first + 1 : limit; // findByCursor's overfetch-by-one
  const sql = `select ${columns}${count} from ${reader.table} t where ${conditions.join(' and ')}`
    + (order.length ? ` order by ${order.map((key) => `${key.column} ${key.descending ? 'desc' : 'asc'}`).join(', ')}` : '')
    // a parameter, not inlined: one prepared statement per shape, whatever the page size
    + (rowLimit !== undefined ? ` limit $${values.push(Number(rowLimit))}` : '');
  return { sql, values, reader };
}

/**
 * For each of `groupIds`, the first `perGroup` rows of `entity` whose `groupBy` property equals it,
 * in `orderBy` (an encounter's newest observations, for every encounter of a page at once): one
 * statement, a window function over the group column's index. Rows come back in `orderBy`.
 */
export async function findTopPerGroupReadOnly<E extends object>(
  em: EntityManager,
  entity: EntityClass<E>,
  groupBy: keyof E & string,
  groupIds: readonly string[],
  orderBy: Partial<Record<keyof E & string, 'asc' | 'desc'>>,
  perGroup: number,
  /** Only these properties (with the key, the group's and the order's); every column when absent. */
  select?: readonly string[],
): Promise<E[]> {
  const reader = rowReaderOf(em, entity);
  if (!reader) throw new Error(`findTopPerGroupReadOnly: ${entity.name} is not a table of plain columns`);
  const columns = reader.columnsFor(select && [...select, groupBy, ...Object.keys(orderBy)]);
  if (columns === null) throw new Error(`findTopPerGroupReadOnly: ${entity.name} lacks a column of ${select!.join(', ')}`);
  const columnOf = (name: string): string => {
    const column = reader.columnOf.get(name);
    if (!column) throw new Error(`findTopPerGroupReadOnly: ${entity.name} has no column ${name}`);
    return column;
  };
  const group = columnOf(groupBy);
  const order = Object.entries(orderBy).map(([name, direction]) => `${columnOf(name)} ${direction === 'desc' ? 'desc nulls last' : 'asc'}`);
  const sql = `select ${columns} from (
    select t.*, row_number() over (partition by ${group} order by ${order.join(', ')}) as "rank" from ${reader.table} t where ${group} = any($1)
  ) t where t."rank" <= $2 order by ${order.join(', ')}`;
  const rows = await readStatement(em, sql, [[...groupIds], perGroup]);
  return rows.map((row) => reader.read(row) as E);
}

const COMPARISONS: Record<string, string> = { $eq: '=', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=', $ne: '<>' };

/**
 * `where` as SQL over `t`, its parameters appended to `values`; null for anything the plain path
 * does not handle. Property names, arrays as `$in`, null as `is null`, and per-property operators
 * `$eq $ne $gt $gte $lt $lte $in $contains`.
 */
function compileWhere(reader: RowReader, where: Record<string, unknown>, values: unknown[]): string | null {
  if (where === null || typeof where !== 'object' || Array.isArray(where) || Object.getOwnPropertySymbols(where).length) return null;
  const parts: string[] = [];
  const parameter = (value: unknown) => `$${values.push(value)}`;
  for (const [name, condition] of Object.entries(where)) {
    const column = reader.columnOf.get(name);
    if (!column) return null; // `$and`, `$or`, raw fragments, relations
    if (condition === null) parts.push(`${column} is null`);
    else if (Array.isArray(condition)) parts.push(`${column} = any(${parameter(condition)})`);
    else if (typeof condition !== 'object' || condition instanceof Date) parts.push(`${column} = ${parameter(condition)}`);
    else {
      const operators = Object.entries(condition as Record<string, unknown>);
      if (!operators.length) return null;
      for (const [operator, operand] of operators) {
        if (operator === '$in' && Array.isArray(operand)) parts.push(`${column} = any(${parameter(operand)})`);
        else if (operator === '$contains' && Array.isArray(operand)) parts.push(`${column} @> ${parameter(operand)}`);
        else if (COMPARISONS[operator] && operand !== null && operand !== undefined && (typeof operand !== 'object' || operand instanceof Date)) parts.push(`${column} ${COMPARISONS[operator]} ${parameter(operand)}`);
        else return null;
      }
    }
  }
  return parts.length ? parts.join(' and ') : 'true';
}

/**
 * The rows after `cursor` (em.findByCursor's format: the base64url JSON of the order keys' values)
 * in `order`: (k1 beyond v1) or (k1 = v1 and k2 beyond v2) or ...; null when it does not decode
 * into one non-null value per key (the ORM path reports it).
 */
function compileKeyset(order: { column: string; descending: boolean }[], cursor: string, values: unknown[]): string | null {
  let decoded: unknown[];
  try {
    decoded = Cursor.decode(cursor) as unknown[];
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== order.length || decoded.some((value) => value === null || typeof value === 'object' && !(value instanceof Date))) return null;
  const parameters = decoded.map((value) => `$${values.push(value)}`);
  const branches = order.map((key, index) => [
    ...order.slice(0, index).map((previous, at) => `${previous.column} = ${parameters[at]}`),
    `${key.column} ${key.descending ? '<' : '>'} ${parameters[index]}`,
  ].join(' and '));
  return `(${branches.map((branch) => `(${branch})`).join(' or ')})`;
}
