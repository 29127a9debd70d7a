import type { Socket } from 'socket.io-client';

/*
 * One signed-in connection to the messaging service's Socket.IO endpoint through the gateway
 * (README "Live collaboration"), kept up for as long as its owner wants it: the chart's comment feed
 * (comments/live-comments.ts) and the inbox (inbox/live-inbox.ts) each hold one. What it does:
 *
 * - each connection attempt takes a valid access token from the session and sends it as the
 *   `access_token` query parameter (a browser WebSocket has no headers); a refused token is
 *   refreshed once, then the attempt is repeated;
 * - a dropped connection, or one the server closed at the token's expiry (`auth:expired`), comes
 *   back with a fresh token, at once and then backing off with jitter;
 * - `auth:revoked` (sign-out elsewhere, a role change) or a refresh the server refuses ends it:
 *   the owner shows that the session has ended, and the app signs out.
 *
 * The owner registers its events on the socket (`listen`) and learns of the connection's changes.
 */

export type LiveConnectionState = 'connecting' | 'online' | 'offline';

export interface LiveSocketDeps {
  /** A socket.io-client socket to the gateway's /socket.io, created with autoConnect and reconnection off. */
  openSocket(): Socket;
  /** A valid access token (refreshed first when about to expire); undefined once signed out. */
  token(): Promise<string | undefined>;
  /** Exchanges the refresh token now (the server refused the access token); false when the session has ended. */
  refreshToken(): Promise<boolean>;
}

export interface LiveSocketOwner {
  /** Registers the owner's events on the socket, once, before it first connects. */
  listen(socket: Socket): void;
  /** Connected, the first time or again: join what needs joining, catch up on what was missed. */
  connected(socket: Socket): void;
  /** The connection dropped or could not be made (a reconnect is on its way unless the session ended). */
  offline(reason: 'disconnected' | 'refused' | 'signed-out'): void;
  /** The session has ended: nothing will reconnect. */
  sessionEnded(): void;
}

/** Reconnect delays: the first at once, then backing off (with jitter) up to the last. */
const RECONNECT_DELAYS_MS = [0, 500, 1000, 2000, 5000, 10_000];

export class LiveSocket {
  private current: Socket | undefined;
  private state: LiveConnectionState = 'connecting';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** The token a refusal was last refreshed for: a second refusal of the same one backs off instead. */
  private refusedToken: string | undefined;
  private currentToken: string | undefined;
  private closed = false;

  constructor(
    private readonly deps: LiveSocketDeps,
    private readonly owner: LiveSocketOwner,
  ) {}

  /** The socket, once the first attempt has begun. */
  get socket(): Socket | undefined {
    return this.current;
  }

  get connection(): LiveConnectionState {
    return this.state;
  }

  /** Connects (once; later connections follow by themselves). */
  start(): void {
    void this.connect();
  }

  /** Connects again at once when offline (a user's retry). */
  reconnectNow(): void {
    if (this.current?.connected) return;
    this.attempt = 0;
    this.scheduleReconnect();
  }

  /** Closes for good: nothing reconnects. */
  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.current?.disconnect();
    this.state = 'offline';
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const token = await this.deps.token().catch(() => undefined);
    if (this.closed) return;
    if (!token) {
      // signed out meanwhile: the app shows the sign-in page
      this.state = 'offline';
      this.owner.offline('signed-out');
      return;
    }
    const socket = this.current ?? this.open();
    socket.io.opts.query = { access_token: token };
    this.currentToken = token;
    socket.connect();
  }

  private open(): Socket {
    const socket = this.deps.openSocket();
    this.current = socket;
    socket.on('connect', () => {
      this.attempt = 0;
      this.refusedToken = undefined;
      this.state = 'online';
      this.owner.connected(socket);
    });
    socket.on('connect_error', (error: Error & { description?: unknown }) => {
      this.state = 'offline';
      this.owner.offline('refused');
      // refused by the gateway (HTTP 401 on long-polling) or by messaging: refresh once per token
      const refused = error.message === 'UNAUTHENTICATED' || error.description === 401;
      if (refused && this.refusedToken !== this.currentToken) {
        this.refusedToken = this.currentToken;
        void this.deps.refreshToken().then((alive) => (alive ? this.scheduleReconnect() : this.endSession()));
      } else {
        this.scheduleReconnect();
      }
    });
    socket.on('disconnect', (reason: string) => {
      this.state = 'offline';
      this.owner.offline('disconnected');
      if (reason === 'io client disconnect') return;
      // the server disconnected us (token expired) or the network dropped: come back with a valid token
      this.scheduleReconnect();
    });
    socket.on('auth:revoked', () => {
      // the session ended elsewhere (sign-out, a role change): refreshing fails and the app signs out
      void this.deps.refreshToken().then((alive) => (alive ? undefined : this.endSession()));
    });
    this.owner.listen(socket);
    return socket;
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    clearTimeout(this.reconnectTimer);
    const base = RECONNECT_DELAYS_MS[Math.min(this.attempt, RECONNECT_DELAYS_MS.length - 1)];
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => void this.connect(), base && base / 2 + Math.random() * base);
  }

  private endSession(): void {
    this.state = 'offline';
    this.owner.sessionEnded();
  }
}
