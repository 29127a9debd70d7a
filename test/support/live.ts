import { ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, type Principal } from '@caregraph/platform';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { testAssertionKeys } from './services';

/**
 * Socket.IO clients for tests, as a partner's client would connect: through the gateway with an
 * access token, or (scale-out tests) straight to one messaging instance with the assertion the
 * gateway would add.
 */
export type LiveClient = Socket;
export type LiveOptions = Partial<ManagerOptions & SocketOptions>;

/** A connected client; rejects with the connect_error when the handshake is refused. */
export function connectLive(origin: string, options: LiveOptions = {}): Promise<LiveClient> {
  const socket = io(origin, { path: '/socket.io', forceNew: true, reconnection: false, timeout: 5000, ...options });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Through the gateway, as `token`'s bearer (header; `via: 'query'` puts it in `access_token` as a browser must). */
export function connectThroughGateway(baseUrl: string, token: string, options: LiveOptions & { via?: 'header' | 'query' } = {}): Promise<LiveClient> {
  const { via = 'header', ...rest } = options;
  return connectLive(baseUrl, via === 'header' ? { extraHeaders: { authorization: `Bearer ${token}` }, ...rest } : { query: { access_token: token }, ...rest });
}

/** Straight to a messaging instance, with the gateway's assertion of `principal` (valid `ttlSeconds`). */
export async function connectDirect(messagingUrl: string, principal: Principal, options: LiveOptions & { ttlSeconds?: number } = {}): Promise<LiveClient> {
  const { ttlSeconds = 300, ...rest } = options;
  const { signer } = await testAssertionKeys();
  const assertion = await signer.sign(principal, ['messaging', ACCESS_POLICY_AUDIENCE], 'live-test', { expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds });
  return connectLive(new URL(messagingUrl).origin, { extraHeaders: { [ASSERTION_HEADER]: assertion }, ...rest });
}

export type Ack<T = any> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; field?: string } };

/** Emits `event` and resolves with the server's acknowledgement. */
export function request<T = any>(socket: LiveClient, event: string, payload?: unknown, timeoutMs = 10_000): Promise<Ack<T>> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload);
}

/** The ack's data; throws with the error when the ack is not ok. */
export async function requestOk<T = any>(socket: LiveClient, event: string, payload?: unknown): Promise<T> {
  const ack = await request<T>(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/**
 * The next `event` whose payload satisfies `match`. Call it before the action that causes the
 * event: an event that arrives before the listener is lost to it (a server can deliver over the
 * socket before its HTTP response to the action reaches the test). When the match needs the
 * action's result, `record()` the socket first and wait on the recording.
 */
export function nextEvent<T = any>(socket: LiveClient, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Every event the socket receives from now on, in order (`stop()` to stop recording). */
export function record(socket: LiveClient): { events: { event: string; payload: any }[]; stop(): void } {
  const events: { event: string; payload: any }[] = [];
  const listener = (event: string, payload: unknown) => events.push({ event, payload });
  socket.onAny(listener);
  return { events, stop: () => socket.offAny(listener) };
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

