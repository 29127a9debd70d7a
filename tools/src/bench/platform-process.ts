import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, AssertionSigner, embeddedDatabaseUrl, signAccessToken, verifyAccessToken, type Principal } from '@caregraph/platform';
import type { LauncherUrls } from '../launcher/launcher';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchPlatform {
  gatewayUrl: string;
  /** The caller: the first demo hospital's physician, signed in through the gateway. */
  principal: Principal;
  /** Headers a gateway call needs: the physician's access token. */
  gatewayHeaders: Record<string, string>;
  /** Headers a direct subgraph call needs: what the gateway would send for the same physician. */
  directHeaders(subgraph: string): Promise<Record<string, string>>;
  subgraphUrls: Record<'patients' | 'clinical' | 'billing' | 'messaging' | 'identity', string>;
  /** The platform's embedded database (the bench imports fixtures and reads the SQL floor there). */
  databaseUrl: string;
  /** The launcher's data folder (keys, launcher.json with the services' pids). */
  dataDir: string;
  /**
   * An access token for any principal, signed with the platform's own key from its data folder:
   * how the bench acts as a clinician of an organization the demo accounts do not cover.
   */
  tokenFor(principal: Extract<Principal, { kind: 'user' }>): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
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
 * Starts the whole platform exactly as `npm start` does (the launcher, as its own process tree) on a
 * throwaway embedded cluster and free ports, so benchmarks measure real processes over real HTTP.
 */
export async function startBenchPlatform(options: { demoPatients: number; importDemoTimeoutMs?: number }): Promise<BenchPlatform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-bench-'));
  const pgPort = await freePort();
  const ports = { gateway: await freePort(), patients: await freePort(), clinical: await freePort(), billing: await freePort(), messaging: await freePort(), identity: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    GATEWAY_PORT: String(ports.gateway),
    PATIENTS_PORT: String(ports.patients),
    CLINICAL_PORT: String(ports.clinical),
    BILLING_PORT: String(ports.billing),
    MESSAGING_PORT: String(ports.messaging),
    IDENTITY_PORT: String(ports.identity),
    DEMO_PATIENTS: String(options.demoPatients),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // one load generator is one IP: the per-caller budget would throttle the measurement itself
    RATE_LIMIT_ENABLED: 'false',
    // one sign-in for the whole run, however long BENCH_SECONDS makes it
    ACCESS_TOKEN_TTL_SECONDS: '7200',
  };
  delete env.DATABASE_URL; // the bench always runs on its own embedded cluster
  const launcher: ChildProcess = fork(path.resolve(__dirname, '../start.js'), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;

  // the launcher says when everything is up and the demo is seeded (IPC message from start.ts)
  const running = await new Promise<LauncherUrls>((resolve, reject) => {
    const timeoutMs = options.importDemoTimeoutMs ?? 10 * 60_000;
    const timer = setTimeout(() => reject(new Error(`platform did not come up within ${Math.round(timeoutMs / 60_000)} minutes`)), timeoutMs);
    launcher.on('message', (message: { type?: string; urls?: LauncherUrls }) => {
      if (message.type === 'running' && message.urls) {
        clearTimeout(timer);
        resolve(message.urls);
      }
    });
    launcher.once('exit', (code) => reject(new Error(`launcher exited with code ${code}`)));
  });
  const physician = running.demo?.accounts.find((account) => account.role === 'physician');
  if (!physician) throw new Error('no demo physician to sign in as');
  const login = await fetch(new URL('/auth/login', gatewayUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: physician.email, password: physician.password }),
  });
  if (!login.ok) throw new Error(`demo sign-in failed with status ${login.status}`);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const principal = await verifyAccessToken(accessToken, { publicKey: readFileSync(path.join(dataDir, 'keys', 'access-token.pub.pem'), 'utf8') });

  const url = (port: number) => `http://127.0.0.1:${port}/graphql`;
  // the launcher created the gateway's key pair in the data folder; sign as the gateway would
  const signer = await AssertionSigner.fromPem(readFileSync(path.join(dataDir, 'keys', 'gateway-assertion.key.pem'), 'utf8'));
  return {
    gatewayUrl,
    principal,
    gatewayHeaders: { authorization: `Bearer ${accessToken}` },
    databaseUrl: embeddedDatabaseUrl(pgPort),
    dataDir,
    tokenFor: (subject) => signAccessToken(subject, { privateKey: readFileSync(path.join(dataDir, 'keys', 'access-token.key.pem'), 'utf8'), ttlSeconds: 7200 }),
    directHeaders: async (subgraph) => ({ [ASSERTION_HEADER]: await signer.sign(principal, [subgraph, ACCESS_POLICY_AUDIENCE], randomUUID()) }),
    subgraphUrls: { patients: url(ports.patients), clinical: url(ports.clinical), billing: url(ports.billing), messaging: url(ports.messaging), identity: url(ports.identity) },
    stop: async () => {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
