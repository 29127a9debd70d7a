import { randomUUID } from 'node:crypto';
import { badInput, describeErrorForLog, forbidden, notFound, type Logger, type Role, type SubgraphAttachServices } from '@caregraph/platform';
import type { Server } from 'socket.io';
import type { MessagingContext } from '../context';
import { Coalesced } from './coalesce';
import { chartRoom, type LiveCall, type LiveEventHandler } from './live-hub';
import { ChartJoinPayload, ChartPayload, TypingPayload, parsePayload } from './payloads';
import { CLUSTER, type LiveSocket } from './live-socket';

/** Who is viewing a chart (one entry per user, however many tabs). */
export interface Viewer {
  userId: string;
  displayName: string | null;
  role: Role;
  organizationId: string | null;
}

/** What chart:join answers. */
export interface ChartJoined {
  patientId: string;
  viewers: Viewer[];
  /** Every change after the client's lastCommentId / lastSeq, in seq order (empty without one). */
  replay: unknown[];
  /** False when more changes follow than one replay holds: join again with the last replayed seq. */
  replayComplete: boolean;
}

/** Sockets joining a chart: live events wait here until the join's replay is acknowledged. */
const syncRoom = (patientId: string) => `chart-sync:${patientId.toLowerCase()}`;
const CHART_ROOM_PREFIX = chartRoom('');
/** How long live events wait for the re-join that follows a replay cut short (see awaitRejoin). */
const REJOIN_GRACE_MS = 10_000;

interface Pending {
  event: string;
  payload: unknown;
}

/**
 * A socket joining a chart. Until its ack, live events are held. After it, until a live event newer
 * than the replay passes, events the replay already had are dropped: a change committed before the
 * replay read it can be announced after the ack (the announcement reaches this instance on its own
 * connection, a little later than the commit).
 */
interface Sync {
  held: Pending[] | null;
  /** After the ack: the seq the replay reached. */
  replayedUpTo?: number;
}

const seqOf = (payload: unknown): number | undefined => {
  const seq = (payload as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' ? seq : undefined;
};

/** How long a viewer whose access token ran out stays in presence while their client reconnects with a fresh one. */
export const EXPIRED_VIEWER_GRACE_MS = 15_000;

function viewerOf(socket: LiveSocket): Viewer {
  const { principal } = socket.data.caller;
  return { userId: principal.userId, displayName: socket.data.displayName, role: principal.role, organizationId: principal.organizationId };
}

/**
 * Chart rooms: who may join (the access policy, as the socket's user), presence, typing, the
 * exactly-once hand-over from a join's replay to live events, and removal when access ends.
 *
 * Hand-over: a joining socket enters the room and a sync room first; chart events reaching this
 * instance meanwhile are held for it. Its ack carries the replay from the database; right after
 * the ack (same tick) the held events newer than the replay are sent. It stays in the sync room
 * until an event newer than the replay has passed (announcements arrive in seq order, so none
 * older follows), dropping announcements of changes the replay had. After a replay cut short, live
 * events stay held for the re-join (awaitRejoin). Nothing is sent twice or lost, however the replay
 * and live broadcasts interleave.
 */
export class ChartRooms {
  /** Joins being handed over, per socket and chart. */
  private readonly syncing = new Map<string, Map<string, Sync>>();
  private readonly presence: Coalesced<string, Viewer[]>;
  /**
   * Viewers whose connection closed at token expiry, per chart and user, still in presence until
   * they join again or the grace runs out: their client is back within moments with a fresh token,
   * and without this everyone else saw them leave and come back each time (every 15 minutes).
   */
  private readonly expiredViewers = new Map<string, Map<string, { viewer: Viewer; timer: NodeJS.Timeout }>>();
  /** Set on shutdown: the sockets leaving then change no one's presence. */
  private closing = false;

  constructor(
    private readonly io: Server,
    private readonly services: SubgraphAttachServices<MessagingContext>,
    private readonly log: Logger,
    private readonly expiredViewerGraceMs = EXPIRED_VIEWER_GRACE_MS,
  ) {
    this.presence = new Coalesced((patientId) => this.publishPresence(patientId));
    io.on(CLUSTER.chartEvent, (patientId: string, event: string, payload: unknown) => this.deliver(patientId, event, payload));
    io.on(CLUSTER.viewers, (patientId: string, reply: (viewers: Viewer[]) => void) => reply(this.localViewers(patientId)));
    io.on(CLUSTER.recheck, (patientId: string, reply: (done: boolean) => void) => void this.recheckLocal(patientId).then(() => reply(true), () => reply(false)));
  }

  handlers(): [string, LiveEventHandler][] {
    return [
      ['chart:join', (payload, call) => this.join(payload, call)],
      ['chart:leave', (payload, call) => this.leave(payload, call)],
      ['typing', (payload, call) => this.typing(payload, call)],
    ];
  }

  /** Presence follows a socket out of its charts when it disconnects. */
  connected(socket: LiveSocket): void {
    let charts: string[] = [];
    socket.on('disconnecting', () => {
      charts = [...socket.rooms].filter((room) => room.startsWith(CHART_ROOM_PREFIX)).map((room) => room.slice(CHART_ROOM_PREFIX.length));
    });
    socket.once('disconnect', () => {
      this.syncing.delete(socket.id);
      for (const patientId of charts) {
        if (socket.data.expired) this.keepExpiredViewer(patientId, viewerOf(socket));
        else this.refreshPresence(patientId);
      }
    });
  }

  /** To every socket viewing the chart, on every instance (held for sockets still joining). */
  broadcast(patientId: string, event: string, payload: unknown): void {
    const id = patientId.toLowerCase();
    this.io.serverSideEmit(CLUSTER.chartEvent, id, event, payload);
    this.deliver(id, event, payload);
  }

  /** This instance's sockets in `room`. */
  localSockets(room: string): LiveSocket[] {
    const namespace = this.io.of('/');
    return [...(namespace.adapter.rooms.get(room) ?? [])].flatMap((id) => {
      const socket = namespace.sockets.get(id) as LiveSocket | undefined;
      return socket ? [socket] : [];
    });
  }

  /** To this instance's sockets viewing the chart (held for those still joining). */
  deliver(patientId: string, event: string, payload: unknown): void {
    this.io.local.to(chartRoom(patientId)).except(syncRoom(patientId)).emit(event, payload);
    for (const socket of this.localSockets(syncRoom(patientId))) {
      const sync = this.syncing.get(socket.id)?.get(patientId);
      if (!sync) continue;
      if (sync.held) {
        sync.held.push({ event, payload });
        continue;
      }
      const seq = seqOf(payload);
      if (seq !== undefined && seq <= sync.replayedUpTo!) continue; // the replay had it
      socket.emit(event, payload);
      if (seq !== undefined) this.endSync(socket, patientId, sync); // caught up: the rest comes in seq order
    }
  }

  private async join(payload: unknown, call: LiveCall): Promise<ChartJoined> {
    const input = await parsePayload(ChartJoinPayload, payload);
    if (input.lastCommentId && input.lastSeq != null) throw badInput('lastSeq', 'Send lastCommentId or lastSeq, not both');
    const patientId = input.patientId.toLowerCase();
    // unknown and hidden patients answer alike
    if (!(await call.ctx.access.check(patientId, 'clinical', 'ChartComment'))) throw notFound('Patient', 'patientId');
    const socket = this.socketOf(call);
    this.dropExpiredViewer(patientId, socket.data.caller.principal.userId); // back: the socket stands for them now
    const wasViewing = socket.rooms.has(chartRoom(patientId));
    const sync: Sync = { held: [] };
    if (!this.syncing.has(socket.id)) this.syncing.set(socket.id, new Map());
    this.syncing.get(socket.id)!.set(patientId, sync);
    socket.join([syncRoom(patientId), chartRoom(patientId)]);
    try {
      const wantsReplay = Boolean(input.lastCommentId) || input.lastSeq != null;
      const replay = wantsReplay ? await call.ctx.chartComments.replay(patientId, input) : { events: [], complete: true };
      const viewers = await this.refreshPresence(patientId);
      // written before the ack: a join whose reads cannot be audited is refused
      await call.ctx.access.flush();
      const replayedUpTo = replay.events.length ? replay.events[replay.events.length - 1].seq : (input.lastSeq ?? -1);
      call.afterAck(() => (replay.complete ? this.handOver(socket, patientId, sync, replayedUpTo) : this.awaitRejoin(socket, patientId, sync, replayedUpTo)));
      return { patientId, viewers, replay: replay.events, replayComplete: replay.complete };
    } catch (error) {
      this.handOver(socket, patientId, sync, undefined);
      if (!wasViewing) socket.leave(chartRoom(patientId));
      throw error;
    }
  }

  /**
   * Ends a join's holding: sends the held events the replay did not have (those after
   * `replayedUpTo`; without one, after a failed join, none with a seq: the next join replays them).
   * Leaves the sync room unless announcements of replayed changes may still arrive (see Sync).
   */
  private handOver(socket: LiveSocket, patientId: string, sync: Sync, replayedUpTo: number | undefined): void {
    if (this.syncing.get(socket.id)?.get(patientId) !== sync || !sync.held) return; // joined again meanwhile: the later join hands over
    const held = sync.held;
    sync.held = null;
    let caughtUp = replayedUpTo === undefined || replayedUpTo < 0; // a failed join, or nothing to have replayed
    for (const { event, payload } of held) {
      const seq = seqOf(payload);
      if (seq !== undefined && (replayedUpTo === undefined || seq <= replayedUpTo)) continue;
      socket.emit(event, payload);
      if (seq !== undefined) caughtUp = true;
    }
    if (caughtUp) this.endSync(socket, patientId, sync);
    else sync.replayedUpTo = replayedUpTo;
  }

  /**
   * A replay cut short: the client joins again from the last replayed seq, and that replay holds
   * everything after it, so live events stay held until then (the re-join replaces this join and
   * its held events): none arrives twice. A client that does not join again within
   * REJOIN_GRACE_MS gets the held events newer than the replay then.
   */
  private awaitRejoin(socket: LiveSocket, patientId: string, sync: Sync, replayedUpTo: number): void {
    setTimeout(() => this.handOver(socket, patientId, sync, replayedUpTo), REJOIN_GRACE_MS).unref();
  }

  private endSync(socket: LiveSocket, patientId: string, sync: Sync): void {
    const joining = this.syncing.get(socket.id);
    if (joining?.get(patientId) !== sync) return;
    joining.delete(patientId);
    socket.leave(syncRoom(patientId));
  }

  private async leave(payload: unknown, call: LiveCall): Promise<{ patientId: string }> {
    const { patientId } = await parsePayload(ChartPayload, payload);
    const id = patientId.toLowerCase();
    const socket = this.socketOf(call);
    this.remove(socket, id);
    this.refreshPresence(id);
    return { patientId: id };
  }

  private async typing(payload: unknown, call: LiveCall): Promise<{ patientId: string; typing: boolean }> {
    const input = await parsePayload(TypingPayload, payload);
    const patientId = input.patientId.toLowerCase();
    const socket = this.socketOf(call);
    if (!socket.rooms.has(chartRoom(patientId))) throw forbidden('Join the chart (chart:join) before typing in it', 'patientId');
    const { principal } = socket.data.caller;
    socket.to(chartRoom(patientId)).emit('typing', { patientId, userId: principal.userId, displayName: socket.data.displayName, typing: input.typing });
    return { patientId, typing: input.typing };
  }

  private socketOf(call: LiveCall): LiveSocket {
    const socket = this.io.of('/').sockets.get(call.socket.id) as LiveSocket | undefined;
    if (!socket) throw forbidden('The connection has closed');
    return socket;
  }

  private remove(socket: LiveSocket, patientId: string): void {
    socket.leave(chartRoom(patientId));
    socket.leave(syncRoom(patientId));
    this.syncing.get(socket.id)?.delete(patientId);
  }

  /**
   * Access decided again, as each socket's user, for the chart's sockets on every instance: those
   * refused leave the room at once and get chart:removed; presence follows.
   */
  async recheck(patientId: string): Promise<void> {
    const id = patientId.toLowerCase();
    await Promise.all([this.recheckLocal(id), new Promise<void>((resolve) => this.io.serverSideEmit(CLUSTER.recheck, id, () => resolve()))]);
    await this.refreshPresence(id);
  }

  private async recheckLocal(patientId: string): Promise<void> {
    // a viewer who is away cannot be asked about: they show again when they rejoin, if still allowed
    for (const userId of [...(this.expiredViewers.get(patientId)?.keys() ?? [])]) this.dropExpiredViewer(patientId, userId);
    const sockets = this.localSockets(chartRoom(patientId));
    // one decision per session (its sockets share the caller)
    const decisions = new Map<string, Promise<boolean>>();
    const allowed = (socket: LiveSocket) => {
      const { caller } = socket.data;
      let decision = decisions.get(caller.principal.sessionId);
      if (!decision) {
        const ctx = this.services.contextFor(caller, randomUUID());
        decision = ctx.access.check(patientId, 'clinical', 'ChartComment')
          .catch((error: unknown) => {
            // cannot ask: fail closed
            this.log.warn({ err: describeErrorForLog(error) }, 'live: access recheck failed; removing the socket from the chart');
            return false;
          })
          .finally(() => ctx.access.flush().catch((error: unknown) => this.log.error({ err: describeErrorForLog(error) }, 'live: could not audit an access recheck')));
        decisions.set(caller.principal.sessionId, decision);
      }
      return decision;
    };
    await Promise.all(sockets.map(async (socket) => {
      if (await allowed(socket)) return;
      this.remove(socket, patientId);
      socket.emit('chart:removed', { patientId, reason: 'ACCESS_REVOKED' });
    }));
  }

  /** No more presence updates: the server is shutting down. */
  close(): void {
    this.closing = true;
    for (const viewers of this.expiredViewers.values()) for (const { timer } of viewers.values()) clearTimeout(timer);
    this.expiredViewers.clear();
  }

  private keepExpiredViewer(patientId: string, viewer: Viewer): void {
    let viewers = this.expiredViewers.get(patientId);
    if (!viewers) this.expiredViewers.set(patientId, (viewers = new Map()));
    clearTimeout(viewers.get(viewer.userId)?.timer);
    const timer = setTimeout(() => {
      this.dropExpiredViewer(patientId, viewer.userId);
      this.refreshPresence(patientId);
    }, this.expiredViewerGraceMs);
    timer.unref();
    viewers.set(viewer.userId, { viewer, timer });
  }

  private dropExpiredViewer(patientId: string, userId: string): void {
    const viewers = this.expiredViewers.get(patientId);
    const kept = viewers?.get(userId);
    if (!viewers || !kept) return;
    clearTimeout(kept.timer);
    viewers.delete(userId);
    if (!viewers.size) this.expiredViewers.delete(patientId);
  }

  /** Recomputes the chart's viewers on every instance and sends them to the room (coalesced per chart). */
  private refreshPresence(patientId: string): Promise<Viewer[]> {
    if (this.closing) return Promise.resolve([]);
    const run = this.presence.run(patientId);
    run.catch((error: unknown) => this.log.warn({ err: describeErrorForLog(error) }, 'live: presence update failed'));
    return run;
  }

  private async publishPresence(patientId: string): Promise<Viewer[]> {
    const remote = await new Promise<Viewer[][]>((resolve) => this.io.serverSideEmit(CLUSTER.viewers, patientId, (_error: unknown, answers: Viewer[][]) => resolve(answers ?? [])));
    const viewers = new Map<string, Viewer>();
    for (const viewer of [...this.localViewers(patientId), ...remote.flat()]) if (!viewers.has(viewer.userId)) viewers.set(viewer.userId, viewer);
    const list = [...viewers.values()].sort((a, b) => a.userId.localeCompare(b.userId));
    if (!this.closing) this.io.to(chartRoom(patientId)).emit('presence:update', { patientId, viewers: list });
    return list;
  }

  private localViewers(patientId: string): Viewer[] {
    const away = [...(this.expiredViewers.get(patientId)?.values() ?? [])].map(({ viewer }) => viewer);
    return [...this.localSockets(chartRoom(patientId)).map(viewerOf), ...away];
  }
}
