import { Pool } from 'pg';
import { AuditBatcher, appendAudit, type AuditEvent } from '@caregraph/platform';
import { percentile } from './measure';

export interface AuditBenchRow {
  concurrency: number;
  path: 'one statement per request' | 'batched (AuditBatcher)';
  rowsPerSecond: number;
  p50: number;
  p95: number;
}

const EVENT: AuditEvent = {
  service: 'bench',
  actor: { kind: 'user', userId: 'bench-physician', role: 'physician', organizationId: null, patientId: null, sessionId: 'bench' },
  action: 'read',
  outcome: 'success',
  recordTypes: ['Observation'],
  detail: { records: 1 },
};

/**
 * Audit appends on the platform's database: `concurrency` requests of one process, each appending
 * its read row and waiting for it to commit, again and again, straight to the database (one
 * statement per request, as before the batcher) and through one AuditBatcher (the subgraphs' way).
 */
export async function benchAudit(databaseUrl: string, options: { concurrencies: number[]; durationMs: number }): Promise<AuditBenchRow[]> {
  const rows: AuditBenchRow[] = [];
  for (const concurrency of options.concurrencies) {
    for (const path of ['one statement per request', 'batched (AuditBatcher)'] as const) {
      const pool = new Pool({ connectionString: databaseUrl, max: path === 'batched (AuditBatcher)' ? 2 : concurrency });
      const batcher = new AuditBatcher(pool);
      const append = path === 'batched (AuditBatcher)' ? () => batcher.append(EVENT) : () => appendAudit(pool, EVENT);
      try {
        for (const end = Date.now() + 1000; Date.now() < end; ) await append(); // warm-up
        const latencies: number[] = [];
        const end = Date.now() + options.durationMs;
        await Promise.all(Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            const started = performance.now();
            await append();
            latencies.push(performance.now() - started);
          }
        }));
        latencies.sort((a, b) => a - b);
        const round = (value: number) => Math.round(value * 100) / 100;
        rows.push({ concurrency, path, rowsPerSecond: Math.round(latencies.length / (options.durationMs / 1000)), p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)) });
      } finally {
        await pool.end();
      }
    }
  }
  return rows;
}

export function auditTable(rows: AuditBenchRow[]): string {
  return [
    'Audit appends on the platform database: N concurrent requests of one process, each appending one read row and waiting for its commit, in a loop.',
    '',
    '| concurrent requests | path | rows/s | append p50 ms | append p95 ms |',
    '|---:|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row.concurrency} | ${row.path} | ${row.rowsPerSecond} | ${row.p50} | ${row.p95} |`),
    '',
  ].join('\n');
}
