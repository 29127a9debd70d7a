/**
 * Demo data CLI:
 *   node tools/dist/demo/generate.js --out <folder> [--patients N] [--seed S] [--per-bundle N]
 *     writes the demo bundles as JSON files (to import later with `npm run import -- <folder>`);
 *   node tools/dist/demo/generate.js --import [--patients N] [--seed S] [--per-bundle N]
 *     imports them directly (DATABASE_URL, else the embedded cluster), e.g. 100000 patients for benchmarks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger } from '@caregraph/platform';
import { withToolDatabase } from '../import/database';
import { createImporter } from '../import/importer';
import { progressReporter } from '../import/progress';
import { formatSummary } from '../import/summary';
import { DEFAULT_DEMO_SEED, DEFAULT_PATIENTS_PER_BUNDLE, demoBundleCount, generateDemoBundles, type DemoOptions } from './generator';
import { demoPatientCount } from './seed';

function parseArgs(argv: string[]): { demo: Required<DemoOptions>; out?: string; import: boolean } {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const integer = (flag: string, fallback: number) => {
    const raw = value(flag);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag} must be a non-negative integer`);
    return parsed;
  };
  return {
    demo: {
      seed: integer('--seed', DEFAULT_DEMO_SEED),
      patients: integer('--patients', demoPatientCount()),
      patientsPerBundle: Math.max(1, integer('--per-bundle', DEFAULT_PATIENTS_PER_BUNDLE)),
    },
    out: value('--out'),
    import: argv.includes('--import'),
  };
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const total = demoBundleCount(args.demo);
  if (args.out) {
    await mkdir(args.out, { recursive: true });
    let position = 0;
    for (const { source, bundle } of generateDemoBundles(args.demo)) {
      position += 1;
      await writeFile(path.join(args.out, `${source}.json`), JSON.stringify(bundle));
      process.stderr.write(`[${position}/${total}] ${source}.json\n`);
    }
  }
  if (args.import) {
    const logger = createLogger('demo', process.env.LOG_LEVEL ?? 'warn');
    await withToolDatabase(logger, async (databaseUrl) => {
      const importer = await createImporter({ databaseUrl, logger });
      try {
        const progress = progressReporter();
        const summary = await importer.importAll(generateDemoBundles(args.demo), { total, ...progress });
        progress.done(summary);
        process.stdout.write(`${formatSummary(summary)}\n`);
      } finally {
        await importer.close();
      }
    });
  }
  if (!args.out && !args.import) throw new Error('say --out <folder> or --import');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
