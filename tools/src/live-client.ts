import { io, type Socket } from 'socket.io-client';

/** A Socket.IO client of the live endpoint (websocket), connected; rejects with the connect_error. */
export function connectLive(origin: string, headers: Record<string, string>): Promise<Socket> {
  const socket = io(origin, { path: '/socket.io', transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Emits `event` and resolves with the ack's data; throws with the ack's error. */
export async function ask(socket: Socket, event: string, payload: unknown): Promise<any> {
  const ack = await socket.timeout(30_000).emitWithAck(event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** `count` clients, `batch` handshakes at a time. */
export async function connectMany(count: number, open: (index: number) => Promise<Socket>, batch = 50): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += batch) sockets.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => open(i + j)))));
  return sockets;
}
