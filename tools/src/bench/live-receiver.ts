/**
 * One receiving process of the live bench (forked by live.ts): holds a share of the sockets, joins
 * them to charts when told, and reports, per comment, when each of its sockets in the chart had
 * it (absolute milliseconds: performance.timeOrigin + now, comparable across processes). Several
 * of these stand for many client machines: one process decoding every socket's copy would time
 * itself, not the server.
 *
 * The receivers speak the Socket.IO protocol (Engine.IO 4, Socket.IO 5 packets) over `ws`
 * themselves rather than through socket.io-client (the tests and the writer use that): on a
 * machine where hundreds of receiving sockets share the server's CPUs, every microsecond a
 * receiver spends per frame is taken from the fan-out being measured. Each comment frame is still
 * decoded (JSON) to know which comment arrived.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

export type ReceiverCommand =
  | { type: 'connect'; group: string; origin: string; headers: Record<string, string>[]; count: number }
  | { type: 'join'; group: string; patientId: string; count: number }
  | { type: 'close' };
export type ReceiverReport = { type: 'done'; error?: string } | { type: 'arrived'; body: string; times: number[] };

const now = () => performance.timeOrigin + performance.now();
const send = (report: ReceiverReport) => process.send!(report);

/** Comments' arrivals per body, until every socket of the chart in this process has it. */
const arrivals = new Map<string, number[]>();
/** Per chart: how many of this process's sockets view it. */
const viewers = new Map<string, number>();

function arrived(event: { patientId: string; comment: { body: string } }, at: number): void {
  const times = arrivals.get(event.comment.body) ?? [];
  times.push(at);
  if (times.length < (viewers.get(event.patientId) ?? 0)) return void arrivals.set(event.comment.body, times);
  arrivals.delete(event.comment.body);
  send({ type: 'arrived', body: event.comment.body, times });
}

/** A Socket.IO client reduced to what the bench needs: connect, emit with an ack, comment:created. */
class ProtocolSocket {
  private nextAck = 0;
  private readonly acks = new Map<number, (reply: { ok: boolean; error?: { code: string; message: string } }) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const at = now();
      const text = data.toString();
      if (text === '2') return void ws.send('3'); // Engine.IO ping
      if (text.startsWith('42')) {
        const [event, payload] = JSON.parse(text.slice(2)) as [string, any];
        if (event === 'comment:created') arrived(payload, at);
      } else if (text.startsWith('43')) {
        const id = Number(/^43(\d+)/.exec(text)![1]);
        const [reply] = JSON.parse(text.slice(2 + String(id).length));
        this.acks.get(id)?.(reply);
        this.acks.delete(id);
      }
    });
  }

  /** Engine.IO open, then the Socket.IO connect of the main namespace (the handshake's headers authenticate). */
  static connect(origin: string, headers: Record<string, string>): Promise<ProtocolSocket> {
    const url = `${origin.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the socket did not connect within 20 s')), 20_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      ws.once('error', fail);
      const handshake = (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('0')) return void ws.send('40');
        ws.off('message', handshake);
        clearTimeout(timer);
        if (text.startsWith('40')) resolve(new ProtocolSocket(ws));
        else fail(new Error(`connect refused: ${text.slice(0, 200)}`));
      };
      ws.on('message', handshake);
    });
  }

  ask(event: string, payload: unknown): Promise<void> {
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      this.acks.set(id, (reply) => (reply.ok ? resolve() : reject(new Error(`${event} refused: ${reply.error?.code} ${reply.error?.message}`))));
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.ws.close();
  }
}

const groups = new Map<string, ProtocolSocket[]>();

async function run(command: ReceiverCommand): Promise<void> {
  if (command.type === 'connect') {
    const sockets: ProtocolSocket[] = [];
    for (let i = 0; i < command.count; i += 50) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, command.count - i) }, (_, j) => ProtocolSocket.connect(command.origin, command.headers[(i + j) % command.headers.length])))));
    }
    groups.set(command.group, [...(groups.get(command.group) ?? []), ...sockets]);
  } else if (command.type === 'join') {
    const sockets = (groups.get(command.group) ?? []).slice(0, command.count);
    for (const socket of sockets) await socket.ask('chart:join', { patientId: command.patientId });
    viewers.set(command.patientId, (viewers.get(command.patientId) ?? 0) + sockets.length);
  } else {
    for (const sockets of groups.values()) for (const socket of sockets) socket.close();
    process.exit(0);
  }
}

process.on('message', (command: ReceiverCommand) => {
  run(command).then(() => send({ type: 'done' }), (error: unknown) => send({ type: 'done', error: error instanceof Error ? error.message : String(error) }));
});
