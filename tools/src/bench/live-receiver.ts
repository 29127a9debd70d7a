/**
 * One receiving process of the live bench (forked by live.ts): holds a share of the sockets, joins
 * them to charts when told, and reports, per comment, when each of its sockets in the chart had
 * it (absolute milliseconds: performance.timeOrigin + now, comparable across processes). Several
 * of these stand for many client machines: one process decoding every socket's copy would time
 * itself, not the server.
 *
 * Two times per socket: when the WebSocket frame was read (`times`: what the server's fan-out
 * delivered) and when socket.io-client had decoded it and called the handler (`handled`). Each
 * frame is stamped as it is read and decoded after the frames read with it (setImmediate), so
 * one socket's decoding does not delay the next socket's stamp: hundreds of sockets share this
 * process, where each would be a browser of its own.
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { ask, connectLive, connectMany } from '../live-client';

export type ReceiverCommand =
  | { type: 'connect'; group: string; origin: string; headers: Record<string, string>[]; count: number }
  | { type: 'join'; group: string; patientId: string; count: number }
  | { type: 'close' };
export type ReceiverReport = { type: 'done'; error?: string } | { type: 'arrived'; body: string; times: number[]; handled: number[] };

const groups = new Map<string, Socket[]>();
/** Per chart: how many of this process's sockets view it. */
const viewers = new Map<string, number>();
const arrivals = new Map<string, { times: number[]; handled: number[] }>();
const now = () => performance.timeOrigin + performance.now();
const send = (report: ReceiverReport) => process.send!(report);
/** Per socket: when each comment frame not yet handled was read, oldest first. */
const commentFramesReadAt = new WeakMap<Socket, number[]>();

/**
 * Stamps the socket's comment frames when read and decodes every frame after this round of
 * reads (socket.io-client then hands events on in frames' order).
 */
function stampFrames(socket: Socket): void {
  const ws = (socket.io as unknown as { engine: { transport: { ws: { onmessage: (event: { data: unknown }) => void } } } }).engine.transport.ws;
  const decode = ws.onmessage;
  const readAt: number[] = [];
  commentFramesReadAt.set(socket, readAt);
  ws.onmessage = (event) => {
    if (String(event.data).includes('"comment:created"')) readAt.push(now());
    setImmediate(() => decode(event));
  };
}

function onComment(socket: Socket, event: { patientId: string; comment: { body: string } }): void {
  const handledAt = now();
  const entry = arrivals.get(event.comment.body) ?? { times: [], handled: [] };
  entry.times.push(commentFramesReadAt.get(socket)?.shift() ?? handledAt);
  entry.handled.push(handledAt);
  if (entry.times.length < (viewers.get(event.patientId) ?? 0)) return void arrivals.set(event.comment.body, entry);
  arrivals.delete(event.comment.body);
  send({ type: 'arrived', body: event.comment.body, ...entry });
}

async function run(command: ReceiverCommand): Promise<void> {
  if (command.type === 'connect') {
    const sockets = await connectMany(command.count, (index) => connectLive(command.origin, command.headers[index % command.headers.length]));
    for (const socket of sockets) {
      stampFrames(socket);
      // once per socket, whatever charts it joins
      socket.on('comment:created', (event) => onComment(socket, event));
    }
    groups.set(command.group, [...(groups.get(command.group) ?? []), ...sockets]);
  } else if (command.type === 'join') {
    const sockets = (groups.get(command.group) ?? []).slice(0, command.count);
    for (const socket of sockets) {
      await ask(socket, 'chart:join', { patientId: command.patientId });
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
