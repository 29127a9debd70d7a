import { perRequest, type RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import { visibleRecordsByIds } from '../../chart/chart-list';
import { Observation } from './observation.entity';

/** Observations by id for this request (`observation(id)`, `_entities`, a report's results): one query per tick; hidden or unknown → null. */
export function observationById(ctx: RequestContext): DataLoader<string, Observation | null> {
  return perRequest(ctx, observationById, () => new DataLoader<string, Observation | null>((ids) => visibleRecordsByIds(ctx, Observation, 'Observation', ids)));
}

/**
 * The observations recorded in each encounter (newest first), for "an encounter with its linked
 * results": one query per tick for every encounter asked. Observations of a patient the caller may
 * not see are left out (and the refusal audited), like ones that do not exist.
 */
export function observationsByEncounter(ctx: RequestContext): DataLoader<string, Observation[]> {
  return perRequest(ctx, observationsByEncounter, () => new DataLoader<string, Observation[]>(async (encounterIds) => {
    const valid = [...new Set(encounterIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
    const rows = valid.length
      ? await ctx.em.find(Observation, { encounterId: { $in: valid } }, { orderBy: { effectiveAt: 'desc', id: 'asc' } })
      : [];
    const visible = await ctx.access.visible(rows, 'clinical', 'Observation', (row) => row.patientId);
    const byEncounter = new Map<string, Observation[]>();
    for (const row of visible) {
      if (!row?.encounterId) continue;
      const list = byEncounter.get(row.encounterId) ?? [];
      list.push(row);
      byEncounter.set(row.encounterId, list);
    }
    return encounterIds.map((id) => byEncounter.get(id.toLowerCase()) ?? []);
  }));
}
