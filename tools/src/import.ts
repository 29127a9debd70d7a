/**
 * `npm run import -- <file.json|folder>...`: imports FHIR R4 bundles (transaction, batch or
 * collection) into caregraph, each file all or nothing. Uses DATABASE_URL, else the embedded
 * cluster of `npm start` (started for the run if it is not running).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '@caregraph/platform';
import { withToolDatabase } from './import/database';
import { createImporter, fileSizes } from './import/importer';
import { progressReporter } from './import/progress';
import { formatSummary } from './import/summary';

const USAGE = `usage: npm run import -- <bundle.json | folder>...

Imports FHIR R4 Bundles (transaction, batch, collection), e.g. Synthea output. A folder imports
every *.json in it. Each file is validated first and imported all or nothing; re-importing updates
records instead of duplicating them. DATABASE_URL selects the database (default: the embedded
cluster of npm start).`;

/** Expands folders to their *.json files (sorted); files stay in the given order. */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(arg)).filter((name) => name.toLowerCase().endsWith('.json')).sort();
      files.push(...names.map((name) => path.join(arg, name)));
    } else files.push(arg);
  }
  return files;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const files = await expandInputs(argv.filter((arg) => arg !== '--'));
  if (files.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const logger = createLogger('import', process.env.LOG_LEVEL ?? 'warn');
  return withToolDatabase(logger, async (databaseUrl) => {
    const importer = await createImporter({ databaseUrl, logger });
    const sizes = await fileSizes(files);
    const progress = progressReporter({ totalBytes: sizes.reduce((a, b) => a + b, 0) });
    let done = 0;
    try {
      const summary = await importer.importAll(files.map((file) => ({ file })), {
        total: files.length,
        onBundleStart: progress.onBundleStart,
        onBundleDone: (info) => {
          done += 1;
          progress.onBundleDone?.(info);
        },
      });
      progress.done(summary);
      process.stdout.write(`${formatSummary(summary)}\n`);
      return 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`import failed: ${message}\n`);
      if (done > 0) process.stderr.write(`${done} of ${files.length} file(s) were imported before it (each file is all or nothing).\n`);
      return 1;
    } finally {
      await importer.close();
    }
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`import failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
