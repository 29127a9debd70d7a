import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { postGraphql } from '../gateway-client';
import { runLoad, type LoadResult } from './measure';
import type { BenchPlatform } from './platform-process';

/**
 * The billing bench: the worklist and the reports through the gateway as a billing clerk, with
 * 10k and then 1M generated claims in the clerk's organization, and the CSV export's throughput
 * and the billing process's memory while it streams.
 */

const BENCH_PAYERS = ['Bench Medicare', 'Bench Medicaid', 'Bench Private Plan', 'Bench Dual Eligible', 'Bench Self-Pay'];
const DENIALS = [['CO-50', 'Not medically necessary'], ['CO-197', 'Precertification absent'], ['CO-16', 'Missing information'], ['CO-29', 'Time limit for filing expired']];
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

/**
 * Generated claims `from`..`to` (numbers; the same number is always the same claim) of one
 * organization, in one INSERT ... SELECT: service dates over the last two years, every status
 * (a twentieth drafts, a fifth submitted, a tenth accepted, a twentieth rejected, 45 % adjudicated,
 * 15 % closed), adjudications paid (50 %), partially paid (30 %) or denied (20 %, four CARC
 * reasons), payments on some, so outstanding amounts vary in size and age.
 */
const SEED_SQL = `
with g as (
  select i, i % 20 as k, (i / 20) % 10 as o,
         (current_date - ((i * 7919) % 730)::int)::timestamp at time zone 'UTC' + interval '10 hours' as service,
         (5000 + (i * 7919) % 95000)::bigint as total
  from generate_series($1::bigint, $2::bigint) as i
), s as (
  select g.*,
         case when k = 0 then 'draft' when k <= 4 then 'submitted' when k <= 6 then 'accepted' when k = 7 then 'rejected' when k <= 16 then 'adjudicated' else 'closed' end as status,
         case when k < 8 then null when o < 2 then 'denied' when o < 5 then 'partially-paid' else 'paid' end as outcome
  from g
), a as (
  select s.*,
         case when outcome is null then null when outcome = 'denied' then 0 else total * 80 / 100 end as allowed,
         case when outcome is null then null when outcome = 'denied' then 0 when outcome = 'paid' then total * 64 / 100 else total * 32 / 100 end as payer_amount
  from s
)
insert into "billing"."claim" ("id", "patient_id", "provider_organization_id", "payer_id", "status", "outcome", "type_code", "billable_period_start", "billable_period_end",
  "created_at", "total_minor_units", "currency", "allowed_minor_units", "payer_amount_minor_units", "patient_responsibility_minor_units", "payer_paid_minor_units",
  "patient_paid_minor_units", "denial_reason_code", "denial_reason_display", "submitted_at", "adjudicated_at", "closed_at")
select md5('bench-claim-' || i)::uuid, ($4::uuid[])[(1 + i % cardinality($4::uuid[]))::int], $3::uuid, ($5::uuid[])[(1 + (i / 7) % cardinality($5::uuid[]))::int],
  status, outcome, 'professional', service, service + interval '1 hour', service, total, 'USD', allowed, payer_amount, allowed - payer_amount,
  case when status = 'closed' or (status = 'adjudicated' and (i / 3) % 2 = 0) then payer_amount else 0 end,
  case when status = 'closed' or (status = 'adjudicated' and (i / 5) % 3 = 0) then allowed - payer_amount else 0 end,
  case when outcome = 'denied' then ($6::text[])[(1 + (i / 40) % 4)::int] end, case when outcome = 'denied' then ($7::text[])[(1 + (i / 40) % 4)::int] end,
  case when status <> 'draft' then service + interval '1 day' end,
  case when outcome is not null then service + interval '20 days' end,
  case when status = 'closed' then service + interval '40 days' end
from a`;

/** Adds generated claims up to `total` in the organization: the summary trigger off during the load, the summary rebuilt once after. */
async function seedClaims(pool: Pool, organizationId: string, seeded: number, total: number): Promise<void> {
  const patients = (await pool.query<{ id: string }>(`select patient_id as id from patients.patient_registration where organization_id = $1 and status = 'active'`, [organizationId])).rows.map((row) => row.id);
  if (!patients.length) throw new Error('no patient is registered at the bench organization');
  for (const name of BENCH_PAYERS) await pool.query(`insert into billing.payer (id, name, kind) values (gen_random_uuid(), $1, 'insurer') on conflict do nothing`, [name]);
  const payers = (await pool.query<{ id: string }>(`select id from billing.payer where name = any($1) order by name`, [BENCH_PAYERS])).rows.map((row) => row.id);
  await pool.query('alter table billing.claim disable trigger claim_daily_totals_sync');
  try {
    for (let from = seeded; from < total; from += 100_000) {
      await pool.query(SEED_SQL, [from, Math.min(from + 100_000, total) - 1, organizationId, patients, payers, DENIALS.map(([code]) => code), DENIALS.map(([, display]) => display)]);
    }
  } finally {
    await pool.query('alter table billing.claim enable trigger claim_daily_totals_sync');
  }
  await pool.query('select billing.rebuild_claim_daily_totals()');
  // a freshly loaded table would otherwise be vacuumed and checkpointed during the measurement
  await pool.query('vacuum (analyze) billing.claim');
  await pool.query('vacuum (analyze) billing.claim_daily_totals');
  await pool.query('checkpoint');
}

const AMOUNTS = 'currency claims billed { amount } allowed { amount } paid { amount } outstanding { amount }';

/** What a billing screen asks for: the first page of the open claims of a payer (last 90 days) with the totals of all of them. */
const WORKLIST = `query Worklist($filter: ClaimFilter) {
  claims(filter: $filter, orderBy: { field: SERVICE_DATE, direction: DESC }, first: 50) {
    edges { cursor node { id status billablePeriodStart total { amount currency } outstanding { amount } payer { name } denialReason { code } } }
    pageInfo { hasNextPage endCursor }
    totals { count byCurrency { ${AMOUNTS} } }
  }
}`;

const REPORTS: Record<string, string> = {
  'report: by payer (12 months)': `query ($from: LocalDate, $to: LocalDate) { billingReport(from: $from, to: $to) { byPayer { payer { name } ${AMOUNTS} payerOutstanding { amount } } } }`,
  'report: by month (12 months)': `query ($from: LocalDate, $to: LocalDate) { billingReport(from: $from, to: $to) { byMonth { month ${AMOUNTS} } } }`,
  'report: denial rates (12 months)': `query ($from: LocalDate, $to: LocalDate) { billingReport(from: $from, to: $to) { denials { payer { name } adjudicatedClaims deniedClaims denialRate reasons { code display deniedClaims denialRate } } } }`,
  'report: receivables aging (all claims)': `{ billingReport { aging { owedBy payer { name } currency days0To30 { amount } days31To60 { amount } days61To90 { amount } over90Days { amount } total { amount } } } }`,
};

export interface BillingMeasurement {
  name: string;
  /** By claims in the organization. */
  results: Map<number, LoadResult>;
}

export interface ExportMeasurement {
  claimsInDatabase: number;
  filter: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
}

export interface BillingBenchReport {
  sizes: number[];
  measurements: BillingMeasurement[];
  exports: ExportMeasurement[];
}

function billingPid(platform: BenchPlatform): number {
  const state = JSON.parse(readFileSync(path.join(platform.dataDir, 'launcher.json'), 'utf8')) as { children: Record<string, { pid: number }> };
  const pid = state.children.billing?.pid;
  if (!pid) throw new Error('the billing process is not in launcher.json');
  return pid;
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** Downloads an export without keeping it (rows counted as they stream), sampling the billing process's resident memory. */
async function measureExport(platform: BenchPlatform, headers: Record<string, string>, query: string, claimsInDatabase: number): Promise<ExportMeasurement> {
  const pid = billingPid(platform);
  const rssBefore = rssMiB(pid);
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid));
  }, 20);
  const started = performance.now();
  let lines = 0;
  try {
    const response = await fetch(new URL(`/billing/claims.csv?${query}`, platform.gatewayUrl), { headers });
    if (!response.ok || !response.body) throw new Error(`export failed: ${response.status}`);
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1;
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = lines - 1; // the header
  const round = (n: number) => Math.round(n * 10) / 10;
  return { claimsInDatabase, filter: query, rows, seconds: round(seconds), rowsPerSecond: Math.round(rows / seconds), rssBeforeMiB: round(rssBefore), rssPeakMiB: round(peak) };
}

/**
 * Seeds the organization of the platform's signed-in physician up to each size in turn and
 * measures, as that organization's billing clerk through the gateway: the worklist page with the
 * totals of its filter (from the summary), the same with an outstanding-amount range (totals
 * summed over the matching claims), each report, and CSV exports.
 */
export async function benchBilling(platform: BenchPlatform, options: { sizes: number[]; durationMs: number; warmupMs: number; fullExport: boolean }): Promise<BillingBenchReport> {
  const organizationId = platform.principal.kind === 'user' ? platform.principal.organizationId : null;
  if (!organizationId) throw new Error('the bench physician has no organization');
  const token = await platform.tokenFor({ kind: 'user', userId: 'bench-billing', role: 'billing', organizationId, patientId: null, sessionId: 'bench-billing' });
  const headers = { authorization: `Bearer ${token}` };
  const pool = new Pool({ connectionString: platform.databaseUrl, max: 2 });
  const payerId = async () => (await pool.query<{ id: string }>(`select id from billing.payer where name = $1`, [BENCH_PAYERS[2]])).rows[0].id;
  const recent = { serviceFrom: day(90), serviceTo: day(0) };
  const year = { from: day(365), to: day(0) };

  const operations: [string, () => Promise<void>][] = [];
  const measurements = new Map<string, BillingMeasurement>();
  const exports: ExportMeasurement[] = [];
  let seeded = 0;
  try {
    for (const size of options.sizes) {
      process.stderr.write(`bench: billing, seeding ${size} claims...\n`);
      const started = performance.now();
      await seedClaims(pool, organizationId, seeded, size);
      seeded = size;
      process.stderr.write(`bench: billing, seeded in ${Math.round((performance.now() - started) / 1000)} s; measuring...\n`);
      if (!operations.length) {
        const payer = await payerId();
        const worklist = (filter: Record<string, unknown>) => async () => {
          const data = await postGraphql(platform.gatewayUrl, WORKLIST, { filter }, headers);
          if (!data.claims.edges.length) throw new Error('empty worklist');
        };
        operations.push(['worklist page (50) + totals from the summary: open claims of a payer, last 90 days', worklist({ status: ['SUBMITTED', 'ACCEPTED', 'ADJUDICATED'], payerId: [payer], ...recent })]);
        operations.push(['worklist page (50) + totals over the claims: outstanding ≥ 500.00, last 90 days', worklist({ amount: { of: 'OUTSTANDING', currency: 'USD', min: '500.00' }, ...recent })]);
        for (const [name, query] of Object.entries(REPORTS)) operations.push([name, async () => void (await postGraphql(platform.gatewayUrl, query, year, headers))]);
      }
      for (const [name, operation] of operations) {
        const measurement = measurements.get(name) ?? { name, results: new Map() };
        measurement.results.set(size, await runLoad(operation, { clients: 1, durationMs: options.durationMs, warmupMs: options.warmupMs }));
        measurements.set(name, measurement);
      }
      exports.push(await measureExport(platform, headers, new URLSearchParams(recent).toString(), size));
    }
    if (options.fullExport) exports.push(await measureExport(platform, headers, '', seeded));
  } finally {
    await pool.end();
  }
  return { sizes: options.sizes, measurements: [...measurements.values()], exports };
}

/** The bench's Markdown section. */
export function billingTable(report: BillingBenchReport): string {
  const [small, large] = report.sizes;
  const label = (size: number) => (size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`);
  const ratio = (measurement: BillingMeasurement) => Math.round((measurement.results.get(large)!.p50 / measurement.results.get(small)!.p50) * 100) / 100;
  return [
    `The billing clerk of one organization through the gateway, one client, with ${label(small)} and then ${label(large)} generated claims in that organization (p50/p95 in ms; target: ${label(large)}/${label(small)} p50 ≤ 2).`,
    '',
    `| measurement | ${label(small)} p50 | ${label(small)} p95 | ${label(large)} p50 | ${label(large)} p95 | ${label(large)}/${label(small)} p50 | errors |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...report.measurements.map((measurement) => {
      const [a, b] = [measurement.results.get(small)!, measurement.results.get(large)!];
      return `| ${measurement.name} | ${a.p50} | ${a.p95} | ${b.p50} | ${b.p95} | **${ratio(measurement)}** | ${a.errors + b.errors} |`;
    }),
    '',
    'CSV export through the gateway (GET /billing/claims.csv), downloaded and counted as it streams; resident memory of the billing process sampled every 20 ms.',
    '',
    '| claims in the organization | filter | rows | seconds | rows/s | billing RSS before (MiB) | billing RSS peak (MiB) |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...report.exports.map((row) => `| ${label(row.claimsInDatabase)} | ${row.filter ? row.filter.replace(/&/g, ' ') : 'all claims'} | ${row.rows} | ${row.seconds} | ${row.rowsPerSecond} | ${row.rssBeforeMiB} | ${row.rssPeakMiB} |`),
    '',
  ].join('\n');
}
