import { performance } from 'node:perf_hooks';

export interface LoadResult {
  clients: number;
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  requestsPerSecond: number;
}

/** The nearest-rank percentile `p` (0-100) of ascending `sorted` values (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/**
 * Runs `operation` from `clients` concurrent loops for `durationMs` (after `warmupMs` unmeasured)
 * and reports latency percentiles (ms) and throughput. An operation may make several HTTP calls:
 * that is how the direct path (patients, then clinical) is timed as one unit.
 */
export async function runLoad(operation: (iteration: number) => Promise<void>, options: { clients: number; durationMs: number; warmupMs: number }): Promise<LoadResult> {
  let iteration = 0;
  const loop = async (until: number, record?: number[], failures?: { count: number }) => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        await operation(iteration++);
        record?.push(performance.now() - started);
      } catch {
        if (failures) failures.count += 1;
      }
    }
  };
  const warmupEnd = performance.now() + options.warmupMs;
  await Promise.all(Array.from({ length: options.clients }, () => loop(warmupEnd)));

  const latencies: number[] = [];
  const failures = { count: 0 };
  const started = performance.now();
  const end = started + options.durationMs;
  await Promise.all(Array.from({ length: options.clients }, () => loop(end, latencies, failures)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    clients: options.clients,
    requests: latencies.length,
    errors: failures.count,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    requestsPerSecond: Math.round(latencies.length / elapsed),
  };
}
