import { Client } from 'pg';
import type { EntityManager, Logger } from '@caregraph/platform';
import { createImporter, type ImportHooks, type Importer } from '../import/importer';
import { mergeSummary, type ImportSummary } from '../import/summary';
import { generateDemoLedgerBundles, ledgerPatientCount } from './billing';
import { DEFAULT_DEMO_SEED, demoBundleCount, demoDirectory, demoPatient, generateDemoBundles } from './generator';

export const DEFAULT_DEMO_PATIENTS = 60;

export interface SeedDemoOptions {
  databaseUrl: string;
  logger: Logger;
  /** Patients to generate (default: DEMO_PATIENTS, else 60). */
  patients?: number;
  seed?: number;
  patientsPerBundle?: number;
  /** Progress of the import (e.g. progressReporter() for a 100k run). */
  hooks?: ImportHooks;
  /** Reuse an open importer instead of opening one. */
  importer?: Importer;
  /** The run date the billing ledger is dated back from (default: now). */
  today?: Date;
}

export interface SeedDemoResult {
  seeded: boolean;
  summary?: ImportSummary;
}

/** DEMO_PATIENTS from the environment, else the default; rejects anything but a positive integer. */
export function demoPatientCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DEMO_PATIENTS;
  if (raw === undefined || raw === '') return DEFAULT_DEMO_PATIENTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error('DEMO_PATIENTS must be a positive integer');
  return value;
}

/** Whether the patients subgraph's schema holds any patient (asked through its own ORM). */
export async function hasPatients(importer: Importer): Promise<boolean> {
  const em = importer.orm('patients').em.fork() as EntityManager;
  return (await em.count('Patient', {})) > 0;
}

/** The demo hospitals' claims ledgers (billing.ts) over the first patients of the demo. */
function demoLedger(seed: number, patients: number, today: Date) {
  const directory = demoDirectory(seed);
  const records = Array.from({ length: ledgerPatientCount(patients) }, (_, index) => demoPatient(directory, seed, index));
  return generateDemoLedgerBundles(directory, records, { seed, today });
}

/**
 * Imports the deterministic demo data when the database has no patient yet; does nothing
 * otherwise. Safe when two processes call it at once (a Postgres advisory lock serialises them).
 */
export async function seedDemoIfEmpty(options: SeedDemoOptions): Promise<SeedDemoResult> {
  const patients = options.patients ?? demoPatientCount();
  const lock = new Client({ connectionString: options.databaseUrl });
  await lock.connect();
  const importer = options.importer ?? (await createImporter({ databaseUrl: options.databaseUrl, logger: options.logger }));
  try {
    await lock.query(`select pg_advisory_lock(hashtext('caregraph:seed-demo'))`);
    if (await hasPatients(importer)) {
      options.logger.debug('database has patients: demo data not seeded');
      return { seeded: false };
    }
    const demo = { seed: options.seed ?? DEFAULT_DEMO_SEED, patients, patientsPerBundle: options.patientsPerBundle };
    options.logger.info({ patients }, 'seeding demo data');
    const summary = await importer.importAll(generateDemoBundles(demo), { total: demoBundleCount(demo), ...options.hooks });
    mergeSummary(summary, await importer.importAll(demoLedger(demo.seed, patients, options.today ?? new Date())));
    options.logger.info({ patients, resources: summary.resources, ms: summary.durationMs }, 'demo data seeded');
    return { seeded: true, summary };
  } finally {
    await lock.query(`select pg_advisory_unlock(hashtext('caregraph:seed-demo'))`).catch(() => undefined);
    await lock.end().catch(() => undefined);
    if (!options.importer) await importer.close();
  }
}
