import os from 'node:os';
import { auditTable, benchAudit } from './audit';
import { benchBilling, billingTable } from './billing';
import { benchChart, importChartFixture, SQL_FLOOR, type ChartBenchRow } from './chart';
import { benchGatewayVsDirect } from './gateway-vs-direct';
import { benchLive, liveTable } from './live';
import { postGraphql } from '../gateway-client';
import { startBenchPlatform, type BenchPlatform } from './platform-process';
import { benchWeb, webTable } from './web';

/**
 * `npm run bench`: starts the platform as `npm start` does on a throwaway database with generated
 * demo data, measures, and prints a Markdown report (date, machine) to paste into BENCHMARKS.md.
 * BENCH_PATIENTS and BENCH_SECONDS tune the size and the duration of each measurement,
 * BENCH_CHART_WARMUP_SECONDS (default 20) the chart's warm-up before each of its measurements;
 * BENCH_ONLY (a comma list of gateway, chart, billing, live, web, audit; default all) picks what runs;
 * BENCH_LIVE_SOCKETS (default 1,100,1000), BENCH_LIVE_COMMENTS (default 100) and BENCH_LIVE_RECEIVERS
 * (client processes, default 4) size the live bench; BENCH_WEB_RUNS (chart loads, default 20) and
 * BENCH_WEB_COMMENTS (default 30) the web bench (chromium at CHROMIUM_PATH, default /usr/bin/chromium).
 */
async function main(): Promise<void> {
  const patients = Number(process.env.BENCH_PATIENTS ?? 1000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  // the chart's services reach their steady state (optimized code, grown heaps, prepared statements
  // on every pooled connection) only after some hundred charts: with two seconds of warm-up the
  // one-client p50 came out 153 ms where the same build gave 133 ms after twenty
  const chartWarmupMs = Number(process.env.BENCH_CHART_WARMUP_SECONDS ?? 20) * 1000;
  const only = new Set((process.env.BENCH_ONLY ?? 'gateway,chart,billing,live,web,audit').split(',').map((name) => name.trim()));
  const startedAt = new Date();
  process.stderr.write(`bench: starting the platform with ${patients} generated patients...\n`);
  const platform = await startBenchPlatform({ demoPatients: patients });
  try {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    process.stdout.write(`### ${startedAt.toISOString().slice(0, 10)} — ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}\n\n`);
    if (only.has('gateway')) await benchGateway(platform, patients, seconds);
    // the largest fixture patient, for the chart and the web benches (imported once)
    const fixture = only.has('chart') || only.has('web') ? await importChartFixture(platform) : undefined;
    if (fixture && only.has('chart')) {
      process.stderr.write(`bench: the full chart of the largest fixture patient vs the SQL floor...\n`);
      const chartRows = await benchChart(platform, fixture, { durationMs: seconds * 1000, warmupMs: chartWarmupMs });
      process.stdout.write(`${chartTable(`Full chart of the largest Synthea fixture patient through the gateway, as a physician of their organization, vs the SQL floor (${SQL_FLOOR.length} plain statements, one per table, same rows); ${patients} generated patients besides.`, chartRows)}\n`);
    }
    if (only.has('billing')) {
      const sizes = [Number(process.env.BENCH_BILLING_SMALL ?? 10_000), Number(process.env.BENCH_BILLING_LARGE ?? 1_000_000)];
      const report = await benchBilling(platform, { sizes, durationMs: seconds * 1000, warmupMs: 2000, fullExport: process.env.BENCH_BILLING_FULL_EXPORT !== 'false' });
      process.stdout.write(`${billingTable(report)}\n`);
    }
    if (only.has('live')) {
      process.stderr.write(`bench: live chart comments over Socket.IO...\n`);
      const sizes = (process.env.BENCH_LIVE_SOCKETS ?? '1,100,1000').split(',').map(Number);
      const report = await benchLive(platform, { sizes, comments: Number(process.env.BENCH_LIVE_COMMENTS ?? 100), seconds, receiverProcesses: Number(process.env.BENCH_LIVE_RECEIVERS ?? 4) });
      process.stdout.write(`${liveTable(report)}\n`);
    }
    if (only.has('audit')) {
      process.stderr.write(`bench: audit appends, one statement per request and batched...\n`);
      const rows = await benchAudit(platform.databaseUrl, { concurrencies: [1, 8, 32, 64], durationMs: Math.min(seconds, 5) * 1000 });
      process.stdout.write(`${auditTable(rows)}\n`);
    }
    if (fixture && only.has('web')) {
      process.stderr.write(`bench: the web client in chromium...\n`);
      const report = await benchWeb(platform, fixture, { runs: Number(process.env.BENCH_WEB_RUNS ?? 20), comments: Number(process.env.BENCH_WEB_COMMENTS ?? 30) });
      process.stdout.write(`${webTable(report)}\n`);
    }
  } finally {
    await platform.stop();
  }

  const large = Number(process.env.BENCH_LARGE_PATIENTS ?? 0);
  if (large > 0 && only.has('chart')) {
    process.stderr.write(`bench: the same chart with ${large} generated patients in the database (seeding takes a while)...\n`);
    const big = await startBenchPlatform({ demoPatients: large, importDemoTimeoutMs: 6 * 3600_000 });
    try {
      const fixture = await importChartFixture(big);
      process.stderr.write(`bench: seeded and caught up; measuring the chart...\n`);
      const chartRows = await benchChart(big, fixture, { durationMs: seconds * 1000, warmupMs: chartWarmupMs });
      process.stdout.write(`${chartTable(`The same chart with ${large} generated patients in the database (compare the p50 with the ${patients}-patient table above; target ratio ≤ 1.2).`, chartRows)}\n`);
    } finally {
      await big.stop();
    }
  } else if (only.has('chart')) {
    process.stdout.write('(Set BENCH_LARGE_PATIENTS=100000 to measure the chart with 100k generated patients in the database.)\n');
  }
}

/** A physician reading a patient through the gateway against the same two subgraph calls made directly. */
async function benchGateway(platform: BenchPlatform, patients: number, seconds: number): Promise<void> {
  // the patients the signed-in physician may see: registered at their hospital
  const page = await postGraphql(platform.gatewayUrl, `{ patients(first: 100) { edges { node { id } } } }`, {}, platform.gatewayHeaders);
  if (!page.patients.edges.length) throw new Error('the demo physician sees no patients');
  const ids: string[] = page.patients.edges.map((edge: { node: { id: string } }) => edge.node.id);
  process.stderr.write(`bench: gateway vs direct, ${seconds}s per measurement...\n`);
  const rows = await benchGatewayVsDirect(platform, ids, { durationMs: seconds * 1000, warmupMs: 2000 });
  const lines = [
    `A physician reads a patient of their hospital with registrations and 20 encounters (patients + clinical subgraphs, access policy and read audit included); ${patients} generated patients, embedded PostgreSQL, ${seconds}s per row after 2s warm-up, all processes on this machine.`,
    '',
    '| clients | path | p50 ms | p95 ms | p99 ms | req/s | errors |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...rows.flatMap((row) => [
      `| ${row.clients} | gateway | ${row.gateway.p50} | ${row.gateway.p95} | ${row.gateway.p99} | ${row.gateway.requestsPerSecond} | ${row.gateway.errors} |`,
      `| ${row.clients} | direct (2 subgraph calls) | ${row.direct.p50} | ${row.direct.p95} | ${row.direct.p99} | ${row.direct.requestsPerSecond} | ${row.direct.errors} |`,
    ]),
    '',
    ...rows.map((row) => `- ${row.clients} client(s): gateway/direct p50 ratio **${row.p50Ratio}** (target ≤ 1.3)`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function chartTable(caption: string, rows: ChartBenchRow[]): string {
  return [
    caption,
    '',
    '| clients | path | p50 ms | p95 ms | p99 ms | req/s | errors |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...rows.flatMap((row) => [
      `| ${row.clients} | chart via gateway | ${row.chart.p50} | ${row.chart.p95} | ${row.chart.p99} | ${row.chart.requestsPerSecond} | ${row.chart.errors} |`,
      `| ${row.clients} | SQL floor | ${row.floor.p50} | ${row.floor.p95} | ${row.floor.p99} | ${row.floor.requestsPerSecond} | ${row.floor.errors} |`,
    ]),
    '',
    ...rows.map((row) => `- ${row.clients} client(s): chart/SQL floor p50 ratio **${row.p50Ratio}** (target ≤ 3)`),
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
