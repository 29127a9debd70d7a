import { randomUUID } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Screenshots and other browser-test output (gitignored). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');
export const DEMO_PASSWORD = 'caregraph-demo-2026';

export interface RunningPlatform {
  baseUrl: string;
  /** Access token of a demo account, signed in through the gateway like any client. */
  tokenOf(email: string): Promise<string>;
  /** A GraphQL call as that token's holder; throws on errors. */
  graphql<T>(token: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  /** The last lines the platform wrote (its services log warnings and errors only here). */
  recentLog(): string;
  stop(): Promise<void>;
}

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

/**
 * The whole platform exactly as `npm start` runs it (tools/dist/start.js, built by `npm test`, web
 * client included) on free ports and a throwaway data folder, with the demo data.
 */
export async function startPlatform(options: { demoPatients: number }): Promise<RunningPlatform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-web-'));
  const [gateway, patients, clinical, billing, messaging, identity, postgres] = await Promise.all(Array.from({ length: 7 }, freePort));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    GATEWAY_PORT: String(gateway),
    PATIENTS_PORT: String(patients),
    CLINICAL_PORT: String(clinical),
    BILLING_PORT: String(billing),
    MESSAGING_PORT: String(messaging),
    IDENTITY_PORT: String(identity),
    EMBEDDED_PG_PORT: String(postgres),
    DEMO_PATIENTS: String(options.demoPatients),
    // every browser context signs in from 127.0.0.1: the per-IP sign-in budget would refuse the test itself
    RATE_LIMIT_AUTH: '1000',
    // with REDIS_URL (CI's server run) the counters live in the shared Redis: this platform's generous budget must not spend other platforms'
    RATE_LIMIT_KEY_PREFIX: `caregraph-web-test-${randomUUID()}`,
  };
  delete env.DATABASE_URL; // its own embedded cluster, whatever the suite runs against
  const launcher: ChildProcess = fork(path.join(REPO_ROOT, 'tools/dist/start.js'), [], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  for (const stream of [launcher.stdout, launcher.stderr]) stream?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
  const stop = async () => {
    if (launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    }
    launcher.stdout?.destroy();
    launcher.stderr?.destroy();
    stopLeftovers(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('platform did not come up within 4 minutes')), 240_000);
      launcher.on('message', (message: { type?: string }) => {
        if (message.type === 'running') {
          clearTimeout(timer);
          output = ''; // from here on, what the services log (the banner is known)
          resolve();
        }
      });
      launcher.once('exit', (code) => reject(new Error(`launcher exited (${code}):\n${output}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${gateway}`;
  return {
    baseUrl,
    tokenOf: async (email) => {
      const response = await fetch(`${baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: DEMO_PASSWORD }) });
      if (!response.ok) throw new Error(`sign-in of ${email} failed: ${response.status}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
    graphql: async <T>(token: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data;
    },
    recentLog: () => output,
    stop,
  };
}

/** Only when the launcher died before stopping its children: its services and database server. */
function stopLeftovers(dataDir: string): void {
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const state = path.join(dataDir, 'launcher.json');
  if (existsSync(state)) for (const { pid } of Object.values((JSON.parse(readFileSync(state, 'utf8')) as { children: Record<string, { pid: number }> }).children)) kill(pid);
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (existsSync(pidFile)) kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]));
}

/** Debian's chromium (`.ci/run` installs it), headless, with flags that work as root on a closed network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Signs `page` in as a demo account at `at` (see browser-session.ts for opening one). */
export async function signIn(page: Page, email: string, at: string): Promise<void> {
  await page.goto(at);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return path.join(ARTIFACTS_DIR, `${name}.png`);
}
