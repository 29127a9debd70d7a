import { perRequest, type RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import { visibleRecordsByIds } from '../../chart/chart-list';
import { DiagnosticReport } from './diagnostic-report.entity';

/** Reports by id for this request (`diagnosticReport(id)`, `_entities`): one query per tick; hidden or unknown → null. */
export function reportById(ctx: RequestContext): DataLoader<string, DiagnosticReport | null> {
  return perRequest(ctx, reportById, () => new DataLoader<string, DiagnosticReport | null>((ids) => visibleRecordsByIds(ctx, DiagnosticReport, 'DiagnosticReport', ids)));
}

/**
 * The diagnostic reports of each encounter (newest first), for "an encounter with its linked
 * results": one query per tick for every encounter asked; reports of a patient the caller may not
 * see are left out (and the refusal audited), like ones that do not exist.
 */
export function reportsByEncounter(ctx: RequestContext): DataLoader<string, DiagnosticReport[]> {
  return perRequest(ctx, reportsByEncounter, () => new DataLoader<string, DiagnosticReport[]>(async (encounterIds) => {
    const valid = [...new Set(encounterIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
    const rows = valid.length
      ? await ctx.em.find(DiagnosticReport, { encounterId: { $in: valid } }, { orderBy: { effectiveAt: 'desc', id: 'asc' } })
      : [];
    const visible = await ctx.access.visible(rows, 'clinical', 'DiagnosticReport', (row) => row.patientId);
    const byEncounter = new Map<string, DiagnosticReport[]>();
    for (const row of visible) {
      if (!row?.encounterId) continue;
      const list = byEncounter.get(row.encounterId) ?? [];
      list.push(row);
      byEncounter.set(row.encounterId, list);
    }
    return encounterIds.map((id) => byEncounter.get(id.toLowerCase()) ?? []);
  }));
}
