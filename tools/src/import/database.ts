import path from 'node:path';
import { Client } from 'pg';
import { embeddedDatabaseUrl, ensureDatabase, loadConfig, startEmbeddedPostgres, type Logger } from '@caregraph/platform';

/** The repository root (tools/src/import or tools/dist/import → ../../..). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Where `npm start` keeps the embedded cluster's data. */
export const embeddedDataDir = path.join(repoRoot, '.data', 'postgres');

async function isListening(url: string): Promise<boolean> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT') return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs `work` against the database a CLI tool should use: DATABASE_URL, else the embedded cluster
 * of `npm start`. If that cluster is not running, it is started for the duration of `work` and
 * stopped afterwards.
 */
export async function withToolDatabase<T>(logger: Logger, work: (databaseUrl: string) => Promise<T>): Promise<T> {
  const config = loadConfig({});
  if (config.DATABASE_URL) return work(config.DATABASE_URL);
  const databaseUrl = embeddedDatabaseUrl(config.EMBEDDED_PG_PORT);
  if (await isListening(databaseUrl)) {
    await ensureDatabase(databaseUrl);
    return work(databaseUrl);
  }
  logger.info({ dataDir: embeddedDataDir, port: config.EMBEDDED_PG_PORT }, 'starting the embedded PostgreSQL for this run');
  const cluster = await startEmbeddedPostgres({
    dataDir: embeddedDataDir,
    port: config.EMBEDDED_PG_PORT,
    onLog: (line) => logger.debug({ postgres: true }, line),
  });
  try {
    await ensureDatabase(databaseUrl);
    return await work(databaseUrl);
  } finally {
    await cluster.stop();
  }
}
