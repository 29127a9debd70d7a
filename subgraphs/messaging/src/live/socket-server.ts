import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { ASSERTION_HEADER, REQUEST_ID_HEADER, describeErrorForLog, requestIdFrom, type Logger, type SubgraphAttachServices } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { Server } from 'socket.io';
import { validate as isUuid } from 'uuid';
import type { MessagingContext } from '../context';
import type { LiveAdapter, LiveAdapterName } from './adapter';
import { ChartFeed } from './chart-feed';
import { ChartRooms } from './chart-rooms';
import { commentHandlers } from './comment-handlers';
import { CLUSTER, type LiveSocket } from './live-socket';
import { userRoom, type Ack, type LiveCall, type LiveEventHandler, type LiveExtension, type LiveHub } from './live-hub';

/** The path Socket.IO answers on (the gateway proxies the same path). */
export const LIVE_PATH = '/socket.io';
/** Largest message a client may send; a bigger one closes its connection (comment bodies are at most 5,000 characters). */
export const MAX_MESSAGE_BYTES = 100_000;

const sessionRoom = (sessionId: string) => `session:${sessionId}`;
const CLIENT_CODES = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']);

/** A refused handshake: the client's connect_error carries the code as its message and in `data`. */
function refusal(code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'INTERNAL_SERVER_ERROR', message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

export interface LiveServerOptions {
  adapter: LiveAdapter;
  extensions: readonly LiveExtension[];
  /** How long a viewer whose token ran out still shows in presence while their client reconnects (default EXPIRED_VIEWER_GRACE_MS). */
  expiredViewerGraceMs?: number;
}

/**
 * The messaging service's Socket.IO server (on the subgraph's own HTTP server and port, reached
 * through the gateway at /socket.io). It trusts the gateway's assertion on the handshake like
 * /graphql trusts it on requests, keeps the assertion for the connection's lifetime to ask the
 * access policy as that user, and disconnects the socket when the assertion (the user's access
 * token) expires or identity reports the session ended. Every client → server event is answered
 * with an Ack. Implements LiveHub for the rest of the service.
 */
export class LiveServer implements LiveHub {
  readonly io: Server;
  readonly charts: ChartRooms;
  /** Chart comment changes, announced by the database at commit (comment/comment-log.ts). */
  private readonly feed: ChartFeed;
  private readonly log: Logger;
  private readonly handlers = new Map<string, LiveEventHandler>();

  private constructor(
    server: http.Server,
    private readonly services: SubgraphAttachServices<MessagingContext>,
    private readonly options: LiveServerOptions,
  ) {
    this.log = services.logger.child({ component: 'live' });
    this.io = new Server(server, { path: LIVE_PATH, serveClient: false, maxHttpBufferSize: MAX_MESSAGE_BYTES });
    this.charts = new ChartRooms(this.io, services, this.log, options.expiredViewerGraceMs);
    this.feed = new ChartFeed(services.orm, this.log, (event) => this.charts.deliver(event.patientId, event.event, event));
    const extensionHandlers = options.extensions.flatMap((extension) => Object.entries(extension.events ?? {}));
    for (const [event, handler] of [...this.charts.handlers(), ...Object.entries(commentHandlers), ...extensionHandlers]) {
      if (this.handlers.has(event)) throw new Error(`live: two handlers for the socket event "${event}"`);
      this.handlers.set(event, handler);
    }
  }

  /** Attaches to the subgraph's HTTP server; resolves once the adapter reaches the other instances. */
  static async attach(server: http.Server, services: SubgraphAttachServices<MessagingContext>, options: LiveServerOptions): Promise<LiveServer> {
    const live = new LiveServer(server, services, options);
    try {
      await options.adapter.install(live.io);
      await live.feed.start();
    } catch (error) {
      await live.close();
      throw error;
    }
    live.io.use((socket, next) => {
      live.authenticate(socket as LiveSocket).then(() => next(), (error: Error & { data?: unknown }) => {
        if (error.data) return next(error);
        live.log.error({ err: describeErrorForLog(error) }, 'live: handshake failed');
        next(refusal('INTERNAL_SERVER_ERROR', 'Internal server error'));
      });
    });
    live.io.on('connection', (socket) => live.connected(socket as LiveSocket));
    live.io.on(CLUSTER.sessionEnded, (sessionId: string) => live.endLocalSession(sessionId));
    live.log.info({ adapter: options.adapter.name }, `live: Socket.IO at ${LIVE_PATH} with the ${options.adapter.name} adapter`);
    return live;
  }

  get adapterName(): LiveAdapterName {
    return this.options.adapter.name;
  }

  /** Messaging instances sharing rooms, this one included (as the adapter knows them). */
  serverCount(): Promise<number> {
    return Promise.resolve(this.io.of('/').adapter.serverCount());
  }

  toChart(patientId: string, event: string, payload: unknown): void {
    this.charts.broadcast(patientId, event, payload);
  }

  toUser(userId: string, event: string, payload: unknown): void {
    this.io.to(userRoom(userId)).emit(event, payload);
  }

  recheckChart(patientId: string): Promise<void> {
    return this.charts.recheck(patientId);
  }

  /** Identity ended the session (logout, token reuse, revocation): its sockets get auth:revoked and are disconnected, on every instance. */
  endSession(sessionId: string): void {
    this.io.serverSideEmit(CLUSTER.sessionEnded, sessionId);
    this.endLocalSession(sessionId);
  }

  private endLocalSession(sessionId: string): void {
    for (const socket of this.charts.localSockets(sessionRoom(sessionId))) {
      socket.emit('auth:revoked', { reason: 'SESSION_ENDED' });
      socket.disconnect(true);
    }
  }

  /** The handshake: the gateway's assertion (UNAUTHENTICATED without it), a user (FORBIDDEN otherwise), a session not ended. */
  private async authenticate(socket: LiveSocket): Promise<void> {
    const { headers, address } = socket.handshake;
    const requestId = requestIdFrom(headers[REQUEST_ID_HEADER]);
    const assertion = headers[ASSERTION_HEADER];
    const caller = await this.services.authenticate(typeof assertion === 'string' ? assertion : undefined, { requestId, remoteAddress: address ?? null, path: LIVE_PATH });
    if (!caller) throw refusal('UNAUTHENTICATED', 'Sign in first: connect with a valid access token');
    if (caller.principal.kind !== 'user') throw refusal('FORBIDDEN', 'Live connections are for signed-in users');
    const user = caller.principal;
    if (await this.sessionEnded(user.sessionId)) throw refusal('UNAUTHENTICATED', 'This session has ended: sign in again');
    socket.data = { caller: { ...caller, principal: user }, displayName: await this.displayName(user.userId) };
  }

  private connected(socket: LiveSocket): void {
    const { principal, expiresAt } = socket.data.caller;
    // a session ended while the handshake ran is caught by the check below; one ended later reaches this room
    socket.join([userRoom(principal.userId), sessionRoom(principal.sessionId)]);
    const expiry = setTimeout(() => {
      socket.emit('auth:expired', { expiredAt: new Date(expiresAt * 1000).toISOString() });
      socket.data.expired = true;
      socket.disconnect(true);
    }, Math.max(0, expiresAt * 1000 - Date.now()));
    socket.once('disconnect', () => clearTimeout(expiry));
    void this.sessionEnded(principal.sessionId).then((ended) => {
      if (!ended || !socket.connected) return;
      socket.emit('auth:revoked', { reason: 'SESSION_ENDED' });
      socket.disconnect(true);
    });
    for (const [event, handler] of this.handlers) socket.on(event, (...args: unknown[]) => void this.answer(socket, event, handler, args));
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (!this.handlers.has(event) && typeof ack === 'function') ack({ ok: false, error: { code: 'BAD_USER_INPUT', message: `Unknown event "${String(event).slice(0, 64)}"`, field: 'event' } } satisfies Ack);
    });
    this.charts.connected(socket);
  }

  /** Runs one client → server event and acknowledges it; the audit rows it collected are written first. */
  private async answer(socket: LiveSocket, event: string, handler: LiveEventHandler, args: unknown[]): Promise<void> {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (answer: Ack) => void) : undefined;
    const requestId = randomUUID();
    const ctx = this.services.contextFor(socket.data.caller, requestId);
    const afterAck: (() => void)[] = [];
    const { principal } = socket.data.caller;
    const call: LiveCall = { ctx, socket: { id: socket.id, userId: principal.userId, sessionId: principal.sessionId }, afterAck: (step) => afterAck.push(step) };
    let answer: Ack;
    try {
      answer = { ok: true, data: (await handler(args[0], call)) ?? null };
    } catch (error) {
      answer = { ok: false, error: this.describe(error, event, requestId) };
    }
    try {
      await ctx.access.flush();
    } catch (error) {
      // like /graphql: what could not be audited is not answered
      this.log.error({ requestId, event, err: describeErrorForLog(error) }, 'could not audit a socket event: answer withheld');
      answer = { ok: false, error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } };
    }
    ack?.(answer);
    for (const step of afterAck) step();
  }

  /** What the client may learn of a failure: an AppError's code, message and field; anything else masked and logged. */
  private describe(error: unknown, event: string, requestId: string): Extract<Ack, { ok: false }>['error'] {
    if (error instanceof GraphQLError && typeof error.extensions?.code === 'string' && CLIENT_CODES.has(error.extensions.code)) {
      // the service's own details (e.g. CONFLICT's currentVersion) go along, as in GraphQL's extensions
      const { code, field, fields: _fields, stacktrace: _stacktrace, ...details } = error.extensions as Record<string, unknown> & { code: string };
      return { code, message: error.message, ...(typeof field === 'string' ? { field } : {}), ...details };
    }
    const errorId = randomUUID();
    this.log.error({ errorId, requestId, event, err: describeErrorForLog(error) }, 'socket event failed');
    return { code: 'INTERNAL_SERVER_ERROR', message: `Internal server error (${errorId})` };
  }

  private async sessionEnded(sessionId: string): Promise<boolean> {
    if (!isUuid(sessionId)) return false;
    const rows = await (this.services.orm.em.fork() as EntityManager).execute(`select 1 from "messaging"."ended_session" where "session_id" = ?`, [sessionId]);
    return rows.length > 0;
  }

  private async displayName(userId: string): Promise<string | null> {
    for (const extension of this.options.extensions) {
      const name = await extension.displayName?.(this.services.orm.em.fork() as EntityManager, userId).catch(() => null);
      if (name) return name;
    }
    return null;
  }

  /** Ends every connection (clients reconnect to another instance), leaves the cluster, closes the adapter. */
  async close(): Promise<void> {
    const namespace = this.io.of('/');
    this.charts.close();
    // a transport close, not a server disconnect: clients reconnect by themselves
    for (const socket of namespace.sockets.values()) socket.conn.close();
    await namespace.adapter.close();
    this.io.engine.close();
    await this.feed.stop();
    await this.options.adapter.close();
  }
}
