import { findByIds, findTopPerGroupReadOnly, orderByIds, perRequest, propertiesForFields, type RequestContext } from '@caregraph/platform';
import type { EntityClass } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import type { ClinicalRecord } from './clinical-record';

/*
 * The two ways the chart loads records besides its lists, batched per request (one query per tick
 * however many ids or encounters a query touches), both under the access policy: records of a
 * patient the caller may not see come back exactly as records that do not exist, and what is
 * returned is audited like every read. Both load read-only (platform database/read-only.ts): what
 * they return is for reading; a write reloads what it changes.
 */

/** Records by id (`condition(id)`, `_entities`, a report's results): null where unknown or hidden. */
export function recordById<E extends ClinicalRecord>(ctx: RequestContext, entity: EntityClass<E>, recordType: string): DataLoader<string, E | null> {
  return perRequest(ctx, `${recordType}:byId`, () => new DataLoader<string, E | null>((ids) => visibleRecordsByIds(ctx, entity, recordType, ids)));
}

/** Records by id, in id order: null where unknown or where the caller may not see the patient's clinical record. */
export async function visibleRecordsByIds<E extends ClinicalRecord>(ctx: RequestContext, entity: EntityClass<E>, recordType: string, ids: readonly string[]): Promise<(E | null)[]> {
  const rows = orderByIds(ids, await findByIds(ctx.em, entity as never, ids, {}, { readOnly: true })) as (E | null)[];
  return ctx.access.visible(rows, 'clinical', recordType, (record) => record.patientId);
}

/** The most records one encounter lists (`Encounter.observations(first:)` and the like). */
export const MAX_PER_ENCOUNTER = 500;
export const DEFAULT_PER_ENCOUNTER = 100;

/**
 * Each encounter's records of one type, newest first by `dateField`, at most `first` per encounter:
 * one window-function query for the whole batch of encounters, so an encounter list with its
 * linked results costs one statement per record type, not one per encounter. With `fields` (the
 * GraphQL fields selected on the records), only the columns they read (database/projection.ts).
 */
export function recordsByEncounter<E extends ClinicalRecord>(
  ctx: RequestContext,
  entity: EntityClass<E>,
  recordType: string,
  dateField: keyof E & string,
  first: number = DEFAULT_PER_ENCOUNTER,
  fields?: Iterable<string>,
): RecordsByEncounterLoader<E> {
  const select = fields && propertiesForFields(ctx.em, entity, fields);
  return perRequest(ctx, `${recordType}:byEncounter:${first}:${select?.join(',') ?? '*'}`, () => new RecordsByEncounterLoader<E>(
    (encounterIds) => newestPerEncounter(ctx, entity, dateField, encounterIds, first, select),
    async (encounterIds, rows) => {
      const visible = await ctx.access.visible(rows, 'clinical', recordType, (record) => record.patientId);
      const byEncounter = new Map<string, E[]>();
      for (const record of visible) {
        if (!record?.encounterId) continue;
        const list = byEncounter.get(record.encounterId) ?? [];
        list.push(record);
        byEncounter.set(record.encounterId, list);
      }
      return encounterIds.map((id) => byEncounter.get(id.toLowerCase()) ?? []);
    },
  ));
}

/**
 * The records of a batch of encounters: a DataLoader that can also be told, by the encounter list
 * that has just read a page, to read the page's records at once (`prefetch`).
 */
export class RecordsByEncounterLoader<E extends ClinicalRecord> extends DataLoader<string, E[]> {
  constructor(
    /** The rows of these encounters, unfiltered (one statement). */
    private readonly read: (encounterIds: readonly string[]) => Promise<E[]>,
    /** Each encounter's list, under the access policy (what is returned is audited). */
    private readonly present: (encounterIds: readonly string[], rows: E[]) => Promise<E[][]>,
  ) {
    super(async (encounterIds) => present(encounterIds, await read(encounterIds)));
  }

  /**
   * Starts reading the records of `encounterIds` now, for the `load`s their GraphQL fields will
   * make once the page they belong to resolves: a page waits for the access policy's decision,
   * and then for every other chart list to complete before its items' fields batch their loads;
   * read here, the records are in (or on their way) by then. Nothing read is presented unless
   * `allowed` (the decision on the encounters' patient) resolves true; otherwise the lists are
   * empty, and nobody asks for them (the page is withheld too).
   */
  prefetch(encounterIds: readonly string[], allowed: Promise<boolean>): void {
    if (!encounterIds.length) return;
    const rows = this.read(encounterIds);
    const lists = Promise.all([rows, allowed]).then(([read, open]) => (open ? this.present(encounterIds, read) : encounterIds.map(() => [])));
    encounterIds.forEach((id, index) => {
      const list = lists.then((all) => all[index]);
      list.catch(() => undefined); // an error reaches the load() that asks; unasked, it is dropped
      this.prime(id, list);
    });
  }
}

/** One statement for the batch: the newest `first` per encounter (the table's encounter_id index), read-only. */
function newestPerEncounter<E extends ClinicalRecord>(
  ctx: RequestContext, entity: EntityClass<E>, dateField: keyof E & string, encounterIds: readonly string[], first: number, select: string[] | undefined,
): Promise<E[]> {
  const valid = [...new Set(encounterIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
  if (!valid.length) return Promise.resolve([]);
  return findTopPerGroupReadOnly(ctx.em, entity, 'encounterId' as keyof E & string, valid, { [dateField]: 'desc', id: 'asc' } as never, first, select);
}
