import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@caregraph/tools';

/**
 * Issue 6, "done when": with `npm start` (node tools/dist/start.js, built by `npm test`), two
 * browser-less socket clients signed in as the demo physicians of the two demo hospitals converse
 * live on a shared chart (tools/dist/live-demo.js).
 */
const repoRoot = path.resolve(__dirname, '..');

describe('npm start: two demo doctors converse live', () => {
  let dataDir: string;
  let launcher: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher!.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
    }
    // a launcher that did not stop leaves its children and the cluster: stop them too
    const state = path.join(dataDir, 'launcher.json');
    if (existsSync(state)) {
      const { children } = JSON.parse(readFileSync(state, 'utf8')) as { children: Record<string, { pid: number }> };
      for (const { pid } of Object.values(children)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in two demo physicians of two hospitals whose sockets see each other\'s comments on the shared chart', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-live-demo-'));
    const [gateway, patients, clinical, billing, messaging, identity, postgres] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const { DATABASE_URL: _ignored, REDIS_URL: _noRedis, ...inherited } = process.env;
    const env = {
      ...inherited,
      NODE_ENV: 'development', LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty', DATA_DIR: dataDir, DEMO_PATIENTS: '4',
      GATEWAY_PORT: String(gateway), PATIENTS_PORT: String(patients), CLINICAL_PORT: String(clinical), BILLING_PORT: String(billing),
      MESSAGING_PORT: String(messaging), IDENTITY_PORT: String(identity), EMBEDDED_PG_PORT: String(postgres),
    };
    launcher = spawn(process.execPath, [path.join(repoRoot, 'tools/dist/start.js')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const origin = `http://127.0.0.1:${gateway}`;
    for (const deadline = Date.now() + 180_000; !output.includes('caregraph is running'); await new Promise((resolve) => setTimeout(resolve, 200))) {
      if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`the platform did not start:\n${output}`);
    }
    expect(output).toContain(`Live updates  ${origin}/socket.io`);

    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'tools/dist/live-demo.js'), origin], { cwd: repoRoot, env, timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^physician@\S+\.demo \(.+\) and physician@\S+\.demo \(.+\) open the chart of patient [0-9a-f-]{36}$/);
    expect(stdout).toMatch(/viewing now: a physician of organization \S+ and a physician of organization \S+/);
    expect(stdout).toMatch(/receives comment:created \(seq \d+\): "Blood pressure still high/);
    expect(stdout).toMatch(/receives the reply \(seq \d+\): "Yes, 150\/95/);
    expect(lines[lines.length - 1]).toBe('Both saw each other live.');
  }, 300_000);
});
