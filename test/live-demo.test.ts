import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_PASSWORD, type DemoAccount } from '@caregraph/identity';
import { freePort, postGraphql, seedDemoConversation, signIn } from '@caregraph/tools';

const ME = '{ me { ... on UserAccount { id role organizationId patientId practitionerId displayName } } }';

/**
 * Issue 6, "done when": with `npm start` (node tools/dist/start.js, built by `npm test`), two
 * browser-less socket clients signed in as the demo physicians of the two demo hospitals converse
 * live on a shared chart (tools/dist/live-demo.js). And what a newcomer finds on signing in: the
 * demo's first conversation (tools/src/demo/conversation.ts), seeded through the gateway.
 */
const repoRoot = path.resolve(__dirname, '..');

describe('npm start: the demo conversation, and two demo doctors conversing live', () => {
  let dataDir: string;
  let launcher: ChildProcess | undefined;
  let output = '';
  let origin: string;
  let env: NodeJS.ProcessEnv;

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

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'caregraph-live-demo-'));
    const [gateway, patients, clinical, billing, messaging, identity, postgres] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const { DATABASE_URL: _ignored, REDIS_URL: _noRedis, ...inherited } = process.env;
    env = {
      ...inherited,
      NODE_ENV: 'development', LOG_LEVEL: 'warn', LOG_FORMAT: 'pretty', DATA_DIR: dataDir, DEMO_PATIENTS: '4',
      GATEWAY_PORT: String(gateway), PATIENTS_PORT: String(patients), CLINICAL_PORT: String(clinical), BILLING_PORT: String(billing),
      MESSAGING_PORT: String(messaging), IDENTITY_PORT: String(identity), EMBEDDED_PG_PORT: String(postgres),
    };
    launcher = spawn(process.execPath, [path.join(repoRoot, 'tools/dist/start.js')], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    origin = `http://127.0.0.1:${gateway}`;
    for (const deadline = Date.now() + 180_000; !output.includes('caregraph is running'); await new Promise((resolve) => setTimeout(resolve, 200))) {
      if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`the platform did not start:\n${output}`);
    }
    expect(output).toContain(`Live updates  ${origin}/socket.io`);
  }, 300_000);

  it("greets a newcomer with the demo's first conversation: a cross-hospital chart thread with @mentions and an unread direct message, written once", async () => {
    const physicians = [...output.matchAll(/^ +(physician@\S+\.demo) +physician +(.+)$/gm)].map((match) => ({ email: match[1], name: match[2] }));
    expect(physicians).toHaveLength(2);
    const emails = physicians.map((physician) => physician.email);
    const accountOf = async (email: string) => {
      const token = await signIn(origin, email, DEMO_PASSWORD);
      const graphql = (query: string, variables: Record<string, unknown> = {}) => postGraphql(`${origin}/graphql`, query, variables, { authorization: `Bearer ${token}` });
      const { me } = await graphql(ME);
      return { graphql, me, account: { email, password: DEMO_PASSWORD, role: me.role.toLowerCase(), organizationId: me.organizationId, patientId: me.patientId, practitionerId: me.practitionerId, displayName: me.displayName } as DemoAccount };
    };
    const [first, second, patient1] = await Promise.all([...emails, 'patient1@patients.demo'].map(accountOf));
    expect(first.me.organizationId).not.toBe(second.me.organizationId);
    // each physician goes by the name of the practitioner they are, as the banner says
    expect([first.me.displayName, second.me.displayName]).toEqual(physicians.map((physician) => physician.name));
    expect(new Set([first.me.displayName, second.me.displayName, 'Demo Physician']).size).toBe(3);
    const patientId: string = patient1.me.patientId;

    // the first hospital's physician: the second's direct message about patient 1, unread, in the inbox
    const { messageThreads } = await first.graphql(`{ messageThreads(first: 5) { unreadCount edges { node { id kind subject unreadCount patient { id }
      participants { userId } lastMessage { body senderUserId } } } } }`);
    expect(messageThreads.unreadCount).toBe(1);
    expect(messageThreads.edges).toHaveLength(1);
    const [{ node: thread }] = messageThreads.edges;
    expect(thread).toMatchObject({ kind: 'DIRECT', subject: 'Blood pressure follow-up', unreadCount: 1, patient: { id: patientId }, lastMessage: { senderUserId: second.me.id } });
    expect(thread.participants.map((participant: { userId: string }) => participant.userId).sort()).toEqual([first.me.id, second.me.id].sort());

    // on patient 1's chart: the first physician's question, pinned to the latest blood pressure, and the second's reply, each mentioning the other
    const { patient } = await first.graphql(`query ($id: ID!) { patient(id: $id) {
      latestVitals { id code { code } }
      chartComments(first: 10) { totalCount edges { node { id body anchor { type id } author { userId } mentions { id } parent { id } } } } } }`, { id: patientId });
    expect(patient.chartComments.totalCount).toBe(2);
    const comments = patient.chartComments.edges.map(({ node }: { node: any }) => node);
    const question = comments.find((comment: any) => !comment.parent);
    const answer = comments.find((comment: any) => comment.parent);
    const pressure = patient.latestVitals.find((vital: { code: { code: string } }) => vital.code.code === '85354-9');
    expect(question).toMatchObject({ author: { userId: first.me.id }, mentions: [{ id: second.me.practitionerId }], anchor: { type: 'OBSERVATION', id: pressure.id } });
    expect(question.body).toMatch(/^Latest blood pressure here: \d+\/\d+ mmHg on \d{4}-\d{2}-\d{2}\./);
    // each mention is written into the text, as the web's comment box writes one ("@Ivy.Kowalski")
    const handleOf = (name: string) => `@${name.split(' ').join('.')}`;
    expect(question.body).toContain(`${handleOf(second.me.displayName)}, do you have anything more recent`);
    expect(answer.body.startsWith(`${handleOf(first.me.displayName)} not since the spring.`)).toBe(true);
    expect(answer).toMatchObject({ author: { userId: second.me.id }, mentions: [{ id: first.me.practitionerId }], parent: { id: question.id } });

    // each physician has the other's @mention among their unread notifications
    for (const [reader, mentionedBy, comment] of [[first, second, answer], [second, first, question]] as const) {
      const { myNotifications } = await reader.graphql('{ myNotifications(first: 5, unreadOnly: true) { edges { node { kind patient { id } mention { commentId authorUserId } } } } }');
      expect(myNotifications.edges.map(({ node }: { node: unknown }) => node)).toEqual([{ kind: 'MENTION', patient: { id: patientId }, mention: { commentId: comment.id, authorUserId: mentionedBy.me.id } }]);
    }

    // every start seeds it again and changes nothing
    const again = await seedDemoConversation({ origin, accounts: [first.account, second.account, patient1.account] });
    expect(again).toEqual({ patientId, commentIds: [question.id, answer.id], threadId: thread.id });
    expect((await first.graphql(`query ($id: ID!) { patient(id: $id) { chartComments(first: 1) { totalCount } } }`, { id: patientId })).patient.chartComments.totalCount).toBe(2);
    expect((await first.graphql('{ messageThreads(first: 5) { unreadCount edges { node { id } } } }')).messageThreads).toEqual({ unreadCount: 1, edges: [{ node: { id: thread.id } }] });
  }, 60_000);

  it('signs in two demo physicians of two hospitals whose sockets see each other\'s comments on the shared chart', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'tools/dist/live-demo.js'), origin], { cwd: repoRoot, env, timeout: 60_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^physician@\S+\.demo \(.+\) and physician@\S+\.demo \(.+\) open the chart of patient [0-9a-f-]{36}$/);
    expect(stdout).toMatch(/viewing now: a physician of organization \S+ and a physician of organization \S+/);
    expect(stdout).toMatch(/receives comment:created \(seq \d+\): "Blood pressure still high/);
    expect(stdout).toMatch(/receives the reply \(seq \d+\): "Yes, 150\/95/);
    expect(lines[lines.length - 1]).toBe('Both saw each other live.');
  }, 300_000);
});
