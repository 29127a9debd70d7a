import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { graphqlOk } from './support/services';

/**
 * `npm start` as a user runs it (node tools/dist/start.js, built by `npm test`): embedded
 * PostgreSQL, four subgraphs, the gateway, the demo seed. Killing the launcher with -9 and
 * starting it again on the same data folder and ports must work: the services it left exit by
 * themselves or are stopped, and the PostgreSQL server it left is stopped before a new one starts.
 */
const repoRoot = path.resolve(__dirname, '..');
const startScript = path.join(repoRoot, 'tools/dist/start.js');

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

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Launch {
  const child = spawn(process.execPath, [startScript], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls the gateway's /ready until every subgraph answers and the launcher printed its banner. */
async function waitUntilRunning(run: Launch, baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`launcher exited (${exitCode}) before it was ready:\n${run.output()}`);
    const ready = await fetch(`${baseUrl}/ready`).then((r) => r.ok, () => false);
    if (ready && run.output().includes('caregraph is running')) return;
    if (Date.now() > deadline) throw new Error(`launcher not ready within ${timeoutMs} ms:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const QUERY = '{ patients(first: 2) { edges { node { id names { family } } } } }';

/** Signs in through the gateway with a demo account the banner printed; returns the bearer header. */
async function signIn(run: Launch, baseUrl: string, email: string): Promise<{ authorization: string }> {
  const password = /Demo accounts \(password (\S+)\)/.exec(run.output())?.[1];
  expect(run.output()).toContain(email);
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  const { accessToken } = (await response.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}` };
}

describe('npm start (tools/dist/start.js)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let baseUrl: string;
  let ports: number[];
  const runs: Launch[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-launcher-'));
    ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const [gateway, patients, clinical, billing, messaging, postgres, identity] = ports;
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    env = {
      ...inherited,
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
      // with REDIS_URL (CI's server run) sign-in counters are shared through Redis: this platform keeps its own
      RATE_LIMIT_KEY_PREFIX: `caregraph-launcher-test-${randomUUID()}`,
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(gateway),
      PATIENTS_PORT: String(patients),
      CLINICAL_PORT: String(clinical),
      BILLING_PORT: String(billing),
      MESSAGING_PORT: String(messaging),
      IDENTITY_PORT: String(identity),
      EMBEDDED_PG_PORT: String(postgres),
      DEMO_PATIENTS: '4',
    };
    baseUrl = `http://127.0.0.1:${gateway}`;
  });

  afterAll(async () => {
    // only when a test failed half-way: leave no process behind
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    const state = path.join(dataDir, 'launcher.json');
    if (existsSync(state)) {
      const { children } = JSON.parse(readFileSync(state, 'utf8')) as { children: Record<string, { pid: number }> };
      for (const { pid } of Object.values(children)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, survives a kill -9 and a restart on the same data folder, and stops cleanly', async () => {
    const first = launch(env);
    runs.push(first);
    await waitUntilRunning(first, `${baseUrl}`, 120_000);
    // the demo seed ran: its first patient signs in and sees their own record, and only that
    const before = await graphqlOk(`${baseUrl}/graphql`, QUERY, {}, { headers: await signIn(first, baseUrl, 'patient1@patients.demo') });
    expect(before.patients.edges).toHaveLength(1);
    const anonymous = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
    expect(anonymous.status).toBe(401);
    const page = await fetch(`${baseUrl}/`);
    expect(await page.text()).toContain('caregraph');

    first.child.kill('SIGKILL');
    await first.exited;

    const second = launch(env);
    runs.push(second);
    await waitUntilRunning(second, baseUrl, 120_000);
    const after = await graphqlOk(`${baseUrl}/graphql`, QUERY, {}, { headers: await signIn(second, baseUrl, 'patient1@patients.demo') });
    expect(after).toEqual(before); // same data; not seeded twice
    expect(second.output()).not.toMatch(/already in use/);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('stopped');
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false); // cluster shut down
    expect(existsSync(path.join(dataDir, 'launcher.json'))).toBe(false);
    for (const port of ports) expect(await canListen(port)).toBe(true);
  }, 300_000);

  it('names the port and its variable when a port is taken', async () => {
    const blocker = net.createServer();
    const [gateway] = ports;
    await new Promise<void>((resolve) => blocker.listen(gateway, '127.0.0.1', resolve));
    try {
      const run = launch(env);
      runs.push(run);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`Port ${gateway} (GATEWAY_PORT) is already in use`);
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false); // nothing left running
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 60_000);
});
