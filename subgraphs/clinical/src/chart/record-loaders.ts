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
): DataLoader<string, E[]> {
  const select = fields && propertiesForFields(ctx.em, entity, fields);
  return perRequest(ctx, `${recordType}:byEncounter:${first}:${select?.join(',') ?? '*'}`, () => new DataLoader<string, E[]>(async (encounterIds) => {
    const valid = [...new Set(encounterIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
    const rows = valid.length ? await newestPerEncounter(ctx, entity, dateField, valid, first, select) : [];
    const visible = await ctx.access.visible(rows, 'clinical', recordType, (record) => record.patientId);
    const byEncounter = new Map<string, E[]>();
    for (const record of visible) {
      if (!record?.encounterId) continue;
      const list = byEncounter.get(record.encounterId) ?? [];
      list.push(record);
      byEncounter.set(record.encounterId, list);
    }
    return encounterIds.map((id) => byEncounter.get(id.toLowerCase()) ?? []);
  }));
}

/** One statement for the batch: the newest `first` per encounter (the table's encounter_id index), read-only. */
function newestPerEncounter<E extends ClinicalRecord>(
  ctx: RequestContext, entity: EntityClass<E>, dateField: keyof E & string, encounterIds: string[], first: number, select: string[] | undefined,
): Promise<E[]> {
  return findTopPerGroupReadOnly(ctx.em, entity, 'encounterId' as keyof E & string, encounterIds, { [dateField]: 'desc', id: 'asc' } as never, first, select);
}
