import type { BundleProgress, ImportHooks } from './importer';
import type { ImportSummary } from './summary';

export interface ProgressOptions {
  /** Where progress goes (stderr by default: stdout stays for the summary). */
  write?: (line: string) => void;
  /** Total bytes of the run, for an ETA by size (files); else the ETA counts bundles. */
  totalBytes?: number;
  /** Seconds between rate/ETA lines (default 5). */
  rateEverySeconds?: number;
  /** Runs shorter than this many bundles get no rate/ETA lines unless they take long (default 10). */
  largeRunBundles?: number;
  now?: () => number;
}

const formatDuration = (ms: number) => {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/**
 * Import progress as plain lines: `[3/17] name: 470 resources…` per bundle and, for large or slow
 * runs, `… 12000 resources, 410/s, 5/17 bundles, ETA 40 s` at most every few seconds.
 */
export function progressReporter(options: ProgressOptions = {}): ImportHooks & { done(summary: ImportSummary): void } {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const started = now();
  const rateEvery = (options.rateEverySeconds ?? 5) * 1000;
  const largeRun = options.largeRunBundles ?? 10;
  let lastRate = started;
  let resources = 0;
  let bytes = 0;

  return {
    onBundleStart(info: BundleProgress) {
      const position = info.total ? `[${info.index}/${info.total}]` : `[${info.index}]`;
      write(`${position} ${info.source}: ${info.resources} resources…`);
    },
    onBundleDone(info) {
      resources += info.resources;
      bytes += info.bytes ?? 0;
      const at = now();
      const elapsed = at - started;
      const large = (info.total ?? Infinity) >= largeRun || elapsed >= rateEvery;
      if (!large || at - lastRate < rateEvery || info.index === info.total) return;
      lastRate = at;
      const rate = resources / Math.max(elapsed / 1000, 0.001);
      let eta = '';
      if (options.totalBytes && bytes > 0) eta = `, ETA ${formatDuration((elapsed * (options.totalBytes - bytes)) / bytes)}`;
      else if (info.total) eta = `, ETA ${formatDuration((elapsed * (info.total - info.index)) / info.index)}`;
      write(`  … ${resources} resources in ${formatDuration(elapsed)} (${Math.round(rate)}/s), ${info.index}${info.total ? `/${info.total}` : ''} bundles${eta}`);
    },
    done(summary: ImportSummary) {
      const elapsed = now() - started;
      write(`imported ${summary.bundles} bundle(s), ${summary.resources} resources in ${formatDuration(elapsed)}`);
    },
  };
}
