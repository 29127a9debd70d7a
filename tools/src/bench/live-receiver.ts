/**
 * One receiving process of the live bench (forked by live.ts): holds a share of the sockets, joins
 * them to charts when told, and reports, per comment, when each of its sockets in the chart had
 * it (absolute milliseconds: performance.timeOrigin + now, comparable across processes). Several
 * of these stand for many client machines: one process decoding every socket's copy would time
 * itself, not the server.
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { ask, connectLive, connectMany } from '../live-client';

export type ReceiverCommand =
  | { type: 'connect'; group: string; origin: string; headers: Record<string, string>[]; count: number }
  | { type: 'join'; group: string; patientId: string; count: number }
  | { type: 'close' };
export type ReceiverReport = { type: 'done'; error?: string } | { type: 'arrived'; body: string; times: number[] };

const groups = new Map<string, Socket[]>();
/** Per chart: how many of this process's sockets view it. */
const viewers = new Map<string, number>();
const arrivals = new Map<string, number[]>();
const now = () => performance.timeOrigin + performance.now();
const send = (report: ReceiverReport) => process.send!(report);

function onComment(event: { patientId: string; comment: { body: string } }): void {
  const at = now();
  const times = arrivals.get(event.comment.body) ?? [];
  times.push(at);
  if (times.length < (viewers.get(event.patientId) ?? 0)) return void arrivals.set(event.comment.body, times);
  arrivals.delete(event.comment.body);
  send({ type: 'arrived', body: event.comment.body, times });
}

async function run(command: ReceiverCommand): Promise<void> {
  if (command.type === 'connect') {
    const sockets = await connectMany(command.count, (index) => connectLive(command.origin, command.headers[index % command.headers.length]));
    groups.set(command.group, [...(groups.get(command.group) ?? []), ...sockets]);
  } else if (command.type === 'join') {
    const sockets = (groups.get(command.group) ?? []).slice(0, command.count);
    for (const socket of sockets) {
      await ask(socket, 'chart:join', { patientId: command.patientId });
      socket.on('comment:created', onComment);
    }
    viewers.set(command.patientId, (viewers.get(command.patientId) ?? 0) + sockets.length);
  } else {
    for (const sockets of groups.values()) for (const socket of sockets) socket.close();
    process.exit(0);
  }
}

process.on('message', (command: ReceiverCommand) => {
  run(command).then(() => send({ type: 'done' }), (error: unknown) => send({ type: 'done', error: error instanceof Error ? error.message : String(error) }));
});
