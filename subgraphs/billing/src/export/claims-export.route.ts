import { AppError, describeErrorForLog, type EntityManager, type RequestContext, type SubgraphRouteServices } from '@caregraph/platform';
import type { Express, Request, Response } from 'express';
import type { ClientBase } from 'pg';
import { billingOrganizationOf } from '../worklist/billing-reader';
import { allOf, claimConditions, numbered, orderedClaims, type ClaimQuery } from '../worklist/claim-query';
import { CSV_HEADER, csvLines, EXPORT_SELECT, type ExportRow } from './claims-csv';
import { exportQueryOf } from './export-filter';

/** Where the billing subgraph serves the export; the gateway forwards GET /billing/claims.csv here, query string and all. */
export const CLAIMS_EXPORT_PATH = '/billing/claims.csv';
/** Claims fetched from the server-side cursor per round trip: the most the export holds in memory at once. */
export const EXPORT_FETCH_SIZE = 1000;
/** Patients decided per round of access-policy calls (the gate batches them by 500 per call). */
const DECISION_CHUNK = 5000;

const STATUS_OF_CODE: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

/**
 * GET /billing/claims.csv: the worklist's claims as CSV, the same filter and order as the
 * `claims` query (query parameters named like its arguments, see export-filter.ts), for the same
 * callers. Streamed from a server-side cursor, EXPORT_FETCH_SIZE claims at a time, waiting for
 * the client to take each batch (backpressure): memory stays flat however many claims there are.
 *
 * Everything is read in one repeatable-read snapshot. Before the first byte leaves, the patients
 * the filter reaches are decided by the access policy (claims of patients the caller may no
 * longer see are withheld, as on the worklist's pages) and the export is audited once: how many
 * claims of how many patients, how many withheld, with which filter. If that audit row cannot be
 * written, nothing is sent.
 */
export function mountClaimsExport(app: Express, services: SubgraphRouteServices): void {
  app.get(CLAIMS_EXPORT_PATH, services.authenticated, async (req: Request, res: Response) => {
    const ctx = services.requestContext(req);
    let q: ClaimQuery;
    try {
      billingOrganizationOf(ctx.principal, "export their organization's claims");
      q = await exportQueryOf(ctx.principal, req.query as Record<string, unknown>);
    } catch (error) {
      await refuse(ctx, res, error);
      return;
    }
    try {
      await exportClaims(ctx, q, res);
    } catch (error) {
      ctx.log.error({ err: describeErrorForLog(error) }, 'claims export failed');
      // mid-stream: break the connection so the client cannot take a cut file for a whole one
      if (res.headersSent) res.destroy();
      else res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  });
}

/** A refusal as the worklist would answer it (code, field), with its HTTP status; a refused caller is audited. */
async function refuse(ctx: RequestContext, res: Response, error: unknown): Promise<void> {
  const code = error instanceof AppError ? String(error.extensions.code) : undefined;
  if (!code || !STATUS_OF_CODE[code]) {
    ctx.log.error({ err: describeErrorForLog(error) }, 'claims export failed');
    res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    return;
  }
  if (code === 'FORBIDDEN') {
    await ctx.access.audit.record({ action: 'read', outcome: 'denied', recordTypes: ['Claim'], detail: { code, operation: 'claims-export' } });
  }
  const { field } = (error as AppError).extensions as { field?: string };
  res.status(STATUS_OF_CODE[code]).json({ errors: [{ message: (error as AppError).message, extensions: { code, ...(field && { field }) } }] });
}

/** A pooled connection of the subgraph's own pool (node-postgres), for the cursor's transaction. */
async function withConnection<T>(em: EntityManager, work: (client: ClientBase) => Promise<T>): Promise<T> {
  const knex = em.getConnection().getKnex();
  const client = (await knex.client.acquireConnection()) as ClientBase;
  try {
    return await work(client);
  } finally {
    await knex.client.releaseConnection(client);
  }
}

async function exportClaims(ctx: RequestContext, q: ClaimQuery, res: Response): Promise<void> {
  let aborted = false;
  const closed = new Promise<void>((resolve) => {
    res.once('close', () => {
      aborted = !res.writableFinished;
      resolve();
    });
  });
  await withConnection(ctx.em, async (client) => {
    await client.query('begin isolation level repeatable read read only');
    try {
      const visible = await visiblePatients(ctx, client, q);
      await ctx.access.audit.record({
        action: 'read',
        outcome: 'success',
        patientId: q.patientId,
        recordTypes: ['Claim'],
        detail: { operation: 'claims-export', claims: visible.claims, patients: visible.patients.size, withheldClaims: visible.withheldClaims, filter: describeFilter(q) },
      });
      const payers = new Map((await client.query<{ id: string; name: string }>('select "id"::text as "id", "name" from "billing"."payer"')).rows.map((payer) => [payer.id, payer.name]));
      const payerName = (id: string | null) => (id ? (payers.get(id) ?? null) : null);

      res.status(200).set({
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="claims-${new Date().toISOString().slice(0, 10)}.csv"`,
        'cache-control': 'no-store',
        'x-claim-count': String(visible.claims),
      });
      res.write(CSV_HEADER);
      for (const [index, statement] of orderedClaims(q, EXPORT_SELECT, null).entries()) {
        const { text, values } = numbered(statement);
        await client.query(`declare claims_export_${index} no scroll cursor for ${text}`, values);
        while (!aborted) {
          const { rows } = await client.query<ExportRow>(`fetch ${EXPORT_FETCH_SIZE} from claims_export_${index}`);
          const shown = rows.filter((row) => visible.patients.has(row.patient_id));
          // backpressure: the next batch is fetched once the client has taken this one
          if (shown.length && !res.write(csvLines(shown, payerName))) await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
          if (rows.length < EXPORT_FETCH_SIZE) break;
        }
        await client.query(`close claims_export_${index}`);
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  });
  if (!aborted) res.end();
}

/**
 * The patients whose claims the filter matches that the caller may see (asked of the access
 * policy, DECISION_CHUNK at a time), and how many claims that shows and withholds.
 */
async function visiblePatients(ctx: RequestContext, client: ClientBase, q: ClaimQuery): Promise<{ patients: Set<string>; claims: number; withheldClaims: number }> {
  const where = numbered(allOf(claimConditions(q)));
  const { rows } = await client.query<{ patient_id: string; claims: string }>(
    `select c."patient_id"::text as "patient_id", count(*)::text as "claims" from "billing"."claim" c where ${where.text} group by 1`, where.values);
  const patients = new Set<string>();
  let claims = 0;
  let withheldClaims = 0;
  for (let start = 0; start < rows.length; start += DECISION_CHUNK) {
    const chunk = rows.slice(start, start + DECISION_CHUNK);
    const decisions = await Promise.all(chunk.map((row) => ctx.access.decision(row.patient_id, 'billing')));
    chunk.forEach((row, index) => {
      if (decisions[index].allowed) {
        patients.add(row.patient_id);
        claims += Number(row.claims);
      } else {
        withheldClaims += Number(row.claims);
      }
    });
  }
  return { patients, claims, withheldClaims };
}

/** The filter as the audit row records it: our own ids, codes and dates, no PHI. */
function describeFilter(q: ClaimQuery): Record<string, unknown> {
  const { amount, ...rest } = q;
  return { ...rest, amount: amount && { ...amount, min: amount.min?.toString() ?? null, max: amount.max?.toString() ?? null } };
}
