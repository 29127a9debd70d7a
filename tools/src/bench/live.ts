import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, AssertionSigner, type Principal } from '@caregraph/platform';
import type { Socket } from 'socket.io-client';
import { ask, connectLive as connect, connectMany } from '../live-client';
import { postGraphql } from '../gateway-client';
import type { ReceiverCommand, ReceiverReport } from './live-receiver';
import { freePort, type BenchPlatform } from './platform-process';

/**
 * The live bench (issue 6): chart comments fanned out over Socket.IO. Fan-out latency of one
 * comment to 1, 100 and 1,000 sockets in one room, on one messaging instance and split over two
 * (a second instance started here on the platform's database and keys, rooms shared by the
 * adapter); sustained comments per second; resident memory per idle connected socket.
 *
 * Sockets connect straight to the messaging instances with the assertion the gateway would add
 * (one row also through the gateway's proxy), websocket transport, all in this one process.
 */

type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export interface FanOutRow {
  sockets: number;
  instances: number;
  path: 'direct' | 'gateway';
  comments: number;
  /** Comment sent (emit) → the last socket of the room has it, ms. */
  p50: number;
  p95: number;
  /** Per socket delivery, ms. */
  deliveryP50: number;
}

export interface SustainedResult {
  writers: number;
  receiversPerChart: number;
  seconds: number;
  commentsPerSecond: number;
  ackP50: number;
  ackP95: number;
  deliveriesPerSecond: number;
  undelivered: number;
}

export interface LiveBenchReport {
  adapter: 'postgres' | 'redis';
  receiverProcesses: number;
  fanOut: FanOutRow[];
  sustained: SustainedResult;
  memory: { sockets: number; rssBeforeMiB: number; rssAfterMiB: number; kibPerSocket: number };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] * 100) / 100 : NaN;
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** A second messaging process on the platform's database and keys (rooms shared through the adapter). */
async function startSecondMessaging(platform: BenchPlatform): Promise<{ origin: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = fork(path.resolve(__dirname, '../../../subgraphs/messaging/dist/main.js'), [], {
    env: {
      ...process.env,
      MESSAGING_PORT: String(port),
      DATABASE_URL: platform.databaseUrl,
      GATEWAY_ASSERTION_PUBLIC_KEY: readFileSync(path.join(platform.dataDir, 'keys', 'gateway-assertion.pub.pem'), 'utf8'),
      PATIENTS_URL: platform.subgraphUrls.patients,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { type?: string }) => message.type === 'ready' && resolve());
    child.once('exit', (code) => reject(new Error(`the second messaging instance exited with code ${code}`)));
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The receiving sockets, spread over `processes` child processes (live-receiver.ts): commands go
 * to all, each taking its share; arrivals come back per comment with absolute times.
 */
class Receivers {
  private readonly children: ChildProcess[];
  private readonly pending = new Map<ChildProcess, ((report: ReceiverReport) => void)[]>();
  private readonly watchers = new Map<string, (times: number[]) => void>();

  constructor(processes: number) {
    this.children = Array.from({ length: processes }, () => fork(path.resolve(__dirname, 'live-receiver.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    for (const child of this.children) {
      this.pending.set(child, []);
      child.on('message', (report: ReceiverReport) => {
        if (report.type === 'arrived') this.watchers.get(report.body)?.(report.times);
        else this.pending.get(child)!.shift()?.(report);
      });
    }
  }

  /** Runs `command(share)` in every process, `total` split evenly; resolves when all are done. */
  async each(total: number, command: (share: number) => ReceiverCommand): Promise<void> {
    await Promise.all(this.children.map((child, index) => {
      const share = Math.floor(total / this.children.length) + (index < total % this.children.length ? 1 : 0);
      if (share === 0) return undefined;
      return new Promise<void>((resolve, reject) => {
        this.pending.get(child)!.push((report) => (report.type === 'done' && report.error ? reject(new Error(report.error)) : resolve()));
        child.send(command(share));
      });
    }));
  }

  /** Every arrival of the comment with `body` (absolute ms), once `expected` sockets have it. */
  arrivals(body: string, expected: number): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const times: number[] = [];
      const timer = setTimeout(() => reject(new Error(`a comment reached ${times.length} of ${expected} sockets within 30 s`)), 30_000);
      this.watchers.set(body, (more) => {
        times.push(...more);
        if (times.length < expected) return;
        clearTimeout(timer);
        this.watchers.delete(body);
        resolve(times);
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.children.filter((child) => child.exitCode === null).map((child) => new Promise((resolve) => {
      child.once('exit', resolve);
      child.send({ type: 'close' } satisfies ReceiverCommand);
    })));
  }
}

const now = () => performance.timeOrigin + performance.now();

/** Sends `comments` comments one after another and times each until all `sockets` in the chart have it. */
async function timeFanOut(writer: Socket, receivers: Receivers, patientId: string, sockets: number, comments: number): Promise<{ completions: number[]; deliveries: number[] }> {
  const completions: number[] = [];
  const deliveries: number[] = [];
  for (let i = 0; i < comments; i += 1) {
    const body = `bench fan-out ${randomUUID()}`;
    const arrived = receivers.arrivals(body, sockets);
    const sentAt = now();
    const [, times] = await Promise.all([ask(writer, 'comment:add', { patientId, body, clientMessageId: randomUUID() }), arrived]);
    completions.push(Math.max(...times) - sentAt);
    deliveries.push(...times.map((at) => at - sentAt));
    await pause(10);
  }
  return { completions, deliveries };
}

export async function benchLive(platform: BenchPlatform, options: { comments: number; sizes: number[]; seconds: number; receiverProcesses: number }): Promise<LiveBenchReport> {
  const page = await postGraphql(platform.gatewayUrl, `{ patients(first: 11) { edges { node { id } } } }`, {}, platform.gatewayHeaders);
  const patientIds: string[] = page.patients.edges.map((edge: { node: { id: string } }) => edge.node.id);
  if (patientIds.length < 11) throw new Error('the live bench needs 11 patients the demo physician may see');
  const physician = platform.principal as UserPrincipal;
  // receivers: ten colleagues of the demo physician (presence lists stay short, as on a real chart)
  const colleagues: UserPrincipal[] = Array.from({ length: 10 }, () => ({ ...physician, userId: randomUUID(), sessionId: randomUUID() }));
  const signer = await AssertionSigner.fromPem(readFileSync(path.join(platform.dataDir, 'keys', 'gateway-assertion.key.pem'), 'utf8'));
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  const directHeaders = await Promise.all(colleagues.map(async (colleague) => ({ [ASSERTION_HEADER]: await signer.sign(colleague, ['messaging', ACCESS_POLICY_AUDIENCE], 'bench', { expiresAt }) })));
  const gatewayHeaders = await Promise.all(colleagues.map(async (colleague) => ({ authorization: `Bearer ${await platform.tokenFor(colleague)}` })));
  const writerAssertion = await signer.sign(physician, ['messaging', ACCESS_POLICY_AUDIENCE], 'bench', { expiresAt });
  const first = new URL(platform.subgraphUrls.messaging).origin;
  const gateway = new URL(platform.gatewayUrl).origin;
  const state = JSON.parse(readFileSync(path.join(platform.dataDir, 'launcher.json'), 'utf8')) as { children: Record<string, { pid: number }> };
  const messagingPid = state.children.messaging.pid;

  const largest = Math.max(...options.sizes);
  const sizes = [...options.sizes].sort((a, b) => a - b);
  const second = await startSecondMessaging(platform);
  const receivers = new Receivers(options.receiverProcesses);
  const writers: Socket[] = [];
  try {
    // memory first, on sockets that only connect (no room)
    await pause(2000);
    const rssBeforeMiB = rssMiB(messagingPid);
    await receivers.each(largest, (count) => ({ type: 'connect', group: 'first', origin: first, headers: directHeaders, count }));
    await pause(3000);
    const rssAfterMiB = rssMiB(messagingPid);
    const memory = { sockets: largest, rssBeforeMiB: Math.round(rssBeforeMiB), rssAfterMiB: Math.round(rssAfterMiB), kibPerSocket: Math.round(((rssAfterMiB - rssBeforeMiB) * 1024) / largest * 10) / 10 };
    await receivers.each(Math.floor(largest / 2), (count) => ({ type: 'connect', group: 'second', origin: second.origin, headers: directHeaders, count }));
    await receivers.each(largest, (count) => ({ type: 'connect', group: 'gateway', origin: gateway, headers: gatewayHeaders, count }));

    const fanOut: FanOutRow[] = [];
    let chart = 0;
    /** A new chart viewed by `counts[group]` sockets of each group, timed. */
    const row = async (label: Pick<FanOutRow, 'instances' | 'path'>, writer: Socket, counts: Record<string, number>) => {
      const patientId = patientIds[chart++];
      for (const [group, count] of Object.entries(counts)) await receivers.each(count, (share) => ({ type: 'join', group, patientId, count: share }));
      await ask(writer, 'chart:join', { patientId });
      const sockets = Object.values(counts).reduce((sum, count) => sum + count, 0);
      await timeFanOut(writer, receivers, patientId, sockets, Math.min(5, options.comments)); // warm-up
      const { completions, deliveries } = await timeFanOut(writer, receivers, patientId, sockets, options.comments);
      fanOut.push({ ...label, sockets, comments: options.comments, p50: percentile(completions, 50), p95: percentile(completions, 95), deliveryP50: percentile(deliveries, 50) });
      process.stderr.write(`bench: fan-out to ${sockets} socket(s), ${label.instances} instance(s), ${label.path}: p95 ${fanOut[fanOut.length - 1].p95} ms\n`);
    };
    const writer = await connect(first, { [ASSERTION_HEADER]: writerAssertion });
    const gatewayWriter = await connect(gateway, { authorization: `Bearer ${await platform.tokenFor(physician)}` });
    writers.push(writer, gatewayWriter);
    for (const size of sizes) await row({ instances: 1, path: 'direct' }, writer, { first: size });
    // the same rooms split over two instances: half the receivers on the second one (the writer on the first)
    for (const size of sizes) await row({ instances: 2, path: 'direct' }, writer, size === 1 ? { second: 1 } : { first: size - Math.floor(size / 2), second: Math.floor(size / 2) });
    // the production path: sockets through the gateway's proxy
    await row({ instances: 1, path: 'gateway' }, gatewayWriter, { gateway: largest });

    // the fan-out rooms' thousands of sockets go away: the sustained run has its own
    await receivers.close();
    const sustained = await benchSustained(() => connect(first, directHeaders[0]), writerAssertion, first, patientIds.slice(0, 10), options.seconds);
    return { adapter: process.env.REDIS_URL ? 'redis' : 'postgres', receiverProcesses: options.receiverProcesses, fanOut, sustained, memory };
  } finally {
    for (const socket of writers) socket.close();
    await receivers.close();
    await second.stop();
  }
}

/** Ten writers, each commenting as fast as acks come back on its own chart, with ten sockets viewing each chart. */
async function benchSustained(openReceiver: () => Promise<Socket>, writerAssertion: string, origin: string, patientIds: string[], seconds: number): Promise<SustainedResult> {
  const receiversPerChart = 10;
  const sockets: Socket[] = [];
  try {
    const writers = await connectMany(patientIds.length, () => connect(origin, { [ASSERTION_HEADER]: writerAssertion }));
    sockets.push(...writers);
    let delivered = 0;
    for (const patientId of patientIds) {
      const receivers = await connectMany(receiversPerChart, openReceiver);
      sockets.push(...receivers);
      for (const socket of receivers) {
        await ask(socket, 'chart:join', { patientId });
        socket.on('comment:created', () => (delivered += 1));
      }
    }
    const acks: number[] = [];
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(writers.map(async (writer, index) => {
      while (performance.now() < until) {
        const sentAt = performance.now();
        await ask(writer, 'comment:add', { patientId: patientIds[index], body: `bench sustained ${randomUUID()}`, clientMessageId: randomUUID() });
        acks.push(performance.now() - sentAt);
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    await pause(2000); // the last broadcasts land
    const expected = acks.length * receiversPerChart;
    return {
      writers: writers.length,
      receiversPerChart,
      seconds,
      commentsPerSecond: Math.round(acks.length / elapsed),
      ackP50: percentile(acks, 50),
      ackP95: percentile(acks, 95),
      deliveriesPerSecond: Math.round(delivered / elapsed),
      undelivered: expected - delivered,
    };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

/** The report as Markdown for BENCHMARKS.md. */
export function liveTable(report: LiveBenchReport): string {
  const byKey = new Map(report.fanOut.map((row) => [`${row.instances}:${row.path}:${row.sockets}`, row]));
  const one = byKey.get('1:direct:1');
  const ratio = (row: FanOutRow | undefined, base: FanOutRow | undefined) => (row && base ? Math.round((row.p95 / base.p95) * 100) / 100 : NaN);
  const largest = Math.max(...report.fanOut.map((row) => row.sockets));
  const lines = [
    `Live chart comments over Socket.IO (${report.adapter} adapter): one physician comments (socket event; stored, then announced at commit) on a chart whose room holds N sockets of ten colleagues; the time from the emit to the last socket's arrival (its comment event read and decoded), ${report.fanOut[0]?.comments ?? 0} comments per row after 5 unmeasured. Sockets connect with websocket straight to the messaging instance (the assertion the gateway would add), or through the gateway's /socket.io proxy; the receiving sockets (minimal Socket.IO protocol clients over ws, tools/src/bench/live-receiver.ts) live in ${report.receiverProcesses} client processes, every process on this machine.`,
    '',
    '| sockets in the room | messaging instances | path | p50 ms | p95 ms | per-socket delivery p50 ms |',
    '|---:|---:|---|---:|---:|---:|',
    ...report.fanOut.map((row) => `| ${row.sockets} | ${row.instances} | ${row.path} | ${row.p50} | ${row.p95} | ${row.deliveryP50} |`),
    '',
    `- ${largest} sockets vs 1, one instance: p95 ratio **${ratio(byKey.get(`1:direct:${largest}`), one)}** (target ≤ 2)`,
    ...[...new Set(report.fanOut.filter((row) => row.instances === 2).map((row) => row.sockets))].map((sockets) =>
      `- ${sockets} socket(s), two instances vs one: p95 ratio **${ratio(byKey.get(`2:direct:${sockets}`), byKey.get(`1:direct:${sockets}`))}** (target ≤ 1.3)`),
    `- Sustained: ${report.sustained.writers} writers on ${report.sustained.writers} charts (${report.sustained.receiversPerChart} sockets viewing each), ${report.sustained.seconds} s: **${report.sustained.commentsPerSecond} comments/s** (ack p50 ${report.sustained.ackP50} ms, p95 ${report.sustained.ackP95} ms), ${report.sustained.deliveriesPerSecond} deliveries/s, ${report.sustained.undelivered} undelivered`,
    `- Memory: ${report.memory.sockets} idle connected sockets took the messaging process from ${report.memory.rssBeforeMiB} to ${report.memory.rssAfterMiB} MiB resident: **${report.memory.kibPerSocket} KiB per socket**`,
    '',
  ];
  return lines.join('\n');
}
