import type { Socket } from 'socket.io-client';
import { LiveSocket, type LiveSocketDeps } from '../live/live-socket';
import { describeCode, describeProblem } from '../ui/errors';
import { humanize } from '../ui/format';
import { REMOVED_NOTICE, type CommentAnchor, type CommentFeed, type CommentView, type NewComment, type Viewer } from './feed';

/*
 * One chart's comments over the messaging service's Socket.IO endpoint (README "Live collaboration"),
 * without React: live-feed.ts wraps it in a hook; test/web/live-comments.test.ts runs it against
 * the real servers. The protocol, as the server intends it:
 *
 * - the first visit loads the newest comments over GraphQL, then joins the chart with
 *   `lastCommentId` (or `lastSeq: 0` on an empty chart), so what was written in between is replayed;
 * - every later (re)join passes the highest `seq` applied, so nothing is lost across reconnects; a
 *   comment is kept by id and version, so nothing shows twice (a replay, the live event and the
 *   write's own acknowledgement may all carry it), and a deletion is final;
 * - the connection itself (tokens, reconnects, the session's end) is a LiveSocket (live/live-socket.ts).
 */

/** A comment as the socket sends it (and as the first GraphQL load is mapped to). */
export interface LiveComment {
  id: string;
  parentId: string | null;
  anchor: CommentAnchor | null;
  /** null once deleted. */
  body: string | null;
  /** Practitioner ids @mentioned in the current version. */
  mentions?: string[];
  version: number;
  /** displayName and organizationName come with the first load (GraphQL), not with socket events. */
  author: { userId: string; role: string | null; organizationId: string | null; displayName?: string | null; organizationName?: string | null } | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
}

/** A page of a chart's comments (newest first over GraphQL) and where the earlier ones start. */
export interface CommentPage {
  comments: LiveComment[];
  /** The cursor of the next, earlier page; null when this page reaches the first comment. */
  earlierCursor: string | null;
}

interface CommentEvent {
  event: 'comment:created' | 'comment:edited' | 'comment:deleted';
  seq: number;
  patientId: string;
  comment: LiveComment;
}

interface LiveViewer {
  userId: string;
  displayName: string | null;
  role: string;
  organizationId: string | null;
}

interface TypingEvent {
  patientId: string;
  userId: string;
  displayName: string | null;
  typing: boolean;
}

type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; field?: string } };

interface Joined {
  viewers: LiveViewer[];
  replay: CommentEvent[];
  replayComplete: boolean;
}

export interface LiveCommentsDeps extends LiveSocketDeps {
  patientId: string;
  /** The signed-in user (left out of presence and typing; names their own comments). */
  me: { userId: string; displayName?: string | null };
  /** A page of the chart's comments (GraphQL, newest first, deleted ones left out): the newest, or those before `after`. */
  loadComments(after?: string): Promise<CommentPage>;
  /** An organization's name (cached by the caller); null when unknown. */
  organizationName(id: string): Promise<string | null>;
  /** A fresh clientMessageId (a UUID). */
  newId(): string;
}

/** What the panel shows, minus the actions (see CommentFeed). */
export type LiveCommentsView = Pick<CommentFeed, 'status' | 'error' | 'comments' | 'hasEarlier' | 'connection' | 'viewers' | 'typing'>;

/** How long a colleague shows as typing without hearing from them again (they repeat it every TYPING_REPEAT_MS). */
export const TYPING_SHOWN_MS = 6000;
const TYPING_REPEAT_MS = 2500;
const ACK_TIMEOUT_MS = 10_000;
const SEND_ATTEMPTS = 3;

/** Why an edit or a deletion found nothing to change. */
const GONE = 'This comment is no longer available: it was deleted, or the chart is no longer open to you.';
/** An edit of a version that is no longer the newest (the author changed it in another tab or window). */
const CHANGED_ELSEWHERE = 'This comment was changed elsewhere (another tab or window) since you opened it. Your text is kept: save again to replace that version.';

/** A refusal the server acknowledged (not retried). */
class Refused extends Error {}

export class LiveComments {
  private readonly listeners = new Set<() => void>();
  private readonly comments = new Map<string, LiveComment>();
  /** Comments shown alive at some point: once deleted, they stay in their thread as "Comment deleted". */
  private readonly seenAlive = new Set<string>();
  /** Where the earlier comments start (GraphQL keyset cursor); null once the first comment is loaded. */
  private earlierCursor: string | null = null;
  private loadingEarlier: Promise<void> | undefined;
  /** Display names heard of (presence, typing, the first load), by user id. */
  private readonly names = new Map<string, string>();
  private readonly organizations = new Map<string, string | null>();
  private readonly typers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Names typing events came with, by user id. */
  private readonly typerNames = new Map<string, string | null>();
  private viewers: LiveViewer[] = [];
  private readonly live: LiveSocket;
  private status: LiveCommentsView['status'] = 'loading';
  private error: Error | undefined;
  private loaded = false;
  private joined = false;
  private lastSeq: number | undefined;
  private lastCommentId: string | undefined;
  private typing = false;
  private typingSentAt = 0;
  private closed = false;
  private view: LiveCommentsView;

  constructor(private readonly deps: LiveCommentsDeps) {
    if (deps.me.displayName) this.names.set(deps.me.userId, deps.me.displayName);
    this.live = new LiveSocket(deps, {
      listen: (socket) => this.listen(socket),
      connected: () => {
        this.changed();
        this.join();
      },
      offline: (reason) => {
        if (reason === 'disconnected') {
          this.joined = false;
          this.viewers = [];
          this.clearTypers();
        }
        this.changed();
      },
      sessionEnded: () => {
        this.status = 'error';
        this.error = new Error('Your session has ended. Sign in again.');
        this.changed();
      },
    });
    this.view = this.buildView();
  }

  private get socket(): Socket | undefined {
    return this.live.socket;
  }

  /** Loads the chart's comments and connects. */
  start(): void {
    void this.load();
    this.live.start();
  }

  /** Leaves for good: the socket is closed (the server updates everyone's presence). */
  close(): void {
    this.closed = true;
    for (const timer of this.typers.values()) clearTimeout(timer);
    this.live.close();
    this.listeners.clear();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current view; the same object until something changes. */
  getView = (): LiveCommentsView => this.view;

  /** Retry after an error: loads again when the first load failed, and reconnects when offline. */
  reload = (): void => {
    if (this.closed || this.status === 'removed') return;
    if (!this.loaded) {
      this.status = 'loading';
      this.error = undefined;
      this.changed();
      void this.load();
    }
    if (this.socket?.connected) this.join();
    else this.live.reconnectNow();
  };

  add = async (input: NewComment): Promise<void> => {
    await this.write('comment:add', {
      patientId: this.deps.patientId,
      body: input.body,
      ...(input.parentId ? { parentId: input.parentId } : {}),
      ...(input.anchor ? { anchor: input.anchor } : {}),
      ...(input.mentions?.length ? { mentions: input.mentions } : {}),
    }, 'This chart, or the comment you reply to, is no longer available to you.');
  };

  /**
   * Changes the text of one of the user's comments (the version shown is the one edited). Newly
   * @mentioned practitioners are added to those the comment already mentions (and notified).
   */
  edit = async (id: string, body: string, addedMentions: readonly string[] = []): Promise<void> => {
    const known = this.ownComment(id);
    const mentions = addedMentions.length ? [...new Set([...(known.mentions ?? []), ...addedMentions])] : undefined;
    await this.write('comment:edit', { id, body, expectedVersion: known.version, ...(mentions ? { mentions } : {}) }, GONE);
  };

  /** Deletes one of the user's comments (soft: the server keeps it for the record; it shows as deleted). */
  remove = async (id: string): Promise<void> => {
    this.ownComment(id);
    await this.write('comment:delete', { id }, GONE);
  };

  /** Loads the page of comments before the earliest loaded (GraphQL); merged by id and version with what the socket sent. */
  loadEarlier = (): Promise<void> => {
    if (this.status === 'removed') return Promise.reject(new Error(REMOVED_NOTICE));
    const after = this.earlierCursor;
    if (!after || this.closed) return Promise.resolve();
    this.loadingEarlier ??= this.deps
      .loadComments(after)
      .then((page) => {
        if (this.closed || this.status === 'removed') return;
        this.keep(page.comments);
        this.earlierCursor = page.earlierCursor;
        this.changed();
      })
      .catch((error: Error) => {
        throw new Error(`Earlier comments could not be loaded: ${describeProblem(error).message}`);
      })
      .finally(() => {
        this.loadingEarlier = undefined;
      });
    return this.loadingEarlier;
  };

  /** A comment of the user's that is still there (edit and delete buttons show only on those). */
  private ownComment(id: string): LiveComment {
    if (this.status === 'removed') throw new Error(REMOVED_NOTICE);
    const known = this.comments.get(id);
    if (!known || known.deletedAt) throw new Error(GONE);
    if (known.author?.userId !== this.deps.me.userId) throw new Error('Only its author can change a comment.');
    return known;
  }

  /**
   * Sends a comment write with a fresh clientMessageId, retried with the same id (the server stores
   * it once) while the connection is down; applies the acknowledged comment.
   */
  private async write(event: 'comment:add' | 'comment:edit' | 'comment:delete', fields: Record<string, unknown>, notFound: string): Promise<void> {
    if (this.status === 'removed') throw new Error(REMOVED_NOTICE);
    const payload = { ...fields, clientMessageId: this.deps.newId() };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const ack = await this.ask<CommentEvent>(event, payload, notFound);
        this.upsert(ack.comment);
        this.changed();
        return;
      } catch (error) {
        if (error instanceof Refused || attempt >= SEND_ATTEMPTS || this.closed) {
          throw error instanceof Refused ? error : new Error(`Your ${event === 'comment:add' ? 'comment' : 'change'} could not be sent: the connection to caregraph is down. Your text is kept: try again in a moment.`);
        }
        if (!this.socket) await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Tells the others whether the user is typing (only changes, and a repeat while it goes on). */
  setTyping = (typing: boolean): void => {
    const now = Date.now();
    if (typing === this.typing && (!typing || now - this.typingSentAt < TYPING_REPEAT_MS)) return;
    this.typing = typing;
    this.sendTyping();
  };

  private sendTyping(): void {
    if (!this.joined || !this.socket?.connected) return;
    this.typingSentAt = Date.now();
    this.socket.emit('typing', { patientId: this.deps.patientId, typing: this.typing });
  }

  private async load(): Promise<void> {
    try {
      const { comments, earlierCursor } = await this.deps.loadComments();
      if (this.closed) return;
      this.keep(comments);
      this.earlierCursor = earlierCursor;
      const newest = comments.filter((comment) => !comment.deletedAt).sort(byCreation).pop();
      this.lastCommentId = newest?.id;
      this.loaded = true;
      if (this.status !== 'removed') this.status = 'ready';
      this.changed();
      this.join();
    } catch (error) {
      if (this.closed) return;
      this.status = 'error';
      this.error = error as Error;
      this.changed();
    }
  }

  /** The chart's events, registered once on the feed's socket. */
  private listen(socket: Socket): void {
    socket.on('comment:created', (event: CommentEvent) => this.onCommentEvent(event));
    socket.on('comment:edited', (event: CommentEvent) => this.onCommentEvent(event));
    socket.on('comment:deleted', (event: CommentEvent) => this.onCommentEvent(event));
    socket.on('presence:update', ({ patientId, viewers }: { patientId: string; viewers: LiveViewer[] }) => {
      if (this.isThisChart(patientId) && this.status !== 'removed') this.setViewers(viewers);
    });
    socket.on('typing', (event: TypingEvent) => this.onTyping(event));
    socket.on('chart:removed', ({ patientId }: { patientId: string }) => {
      if (this.isThisChart(patientId)) this.removed();
    });
  }

  /** Joins (again) from where this copy ends, and applies the replay before any later event. */
  private join(): void {
    const socket = this.socket;
    if (!socket?.connected || !this.loaded || this.status === 'removed' || this.closed) return;
    const from = this.lastSeq !== undefined ? { lastSeq: this.lastSeq } : this.lastCommentId ? { lastCommentId: this.lastCommentId } : { lastSeq: 0 };
    socket.timeout(ACK_TIMEOUT_MS).emit('chart:join', { patientId: this.deps.patientId, ...from }, (timedOut: Error | null, ack: Ack<Joined>) => {
      if (socket !== this.socket || this.closed) return;
      if (timedOut) {
        // the connection dropped (the next connect joins) or the server is slow: ask again
        if (socket.connected) this.join();
        return;
      }
      if (!ack.ok) {
        if (ack.error.code === 'NOT_FOUND' && ack.error.field === 'patientId') return this.removed();
        this.status = 'error';
        this.error = new Error(describeCode(ack.error.code, ack.error.message, ack.error.field).message);
        return this.changed();
      }
      for (const event of ack.data.replay) this.apply(event);
      this.setViewers(ack.data.viewers);
      if (!ack.data.replayComplete) return this.join();
      this.joined = true;
      if (this.status === 'error' && this.loaded) {
        this.status = 'ready';
        this.error = undefined;
      }
      this.changed();
      if (this.typing) this.sendTyping();
    });
  }

  private onCommentEvent(event: CommentEvent): void {
    if (!this.isThisChart(event.patientId)) return;
    this.apply(event);
    this.changed();
  }

  private apply(event: CommentEvent): void {
    if (!this.isThisChart(event.patientId)) return;
    this.upsert(event.comment);
    if (this.lastSeq === undefined || event.seq > this.lastSeq) this.lastSeq = event.seq;
    // whoever writes is no longer typing that comment
    if (event.comment.author) this.stopTyper(event.comment.author.userId);
  }

  /** Keeps comments loaded over GraphQL (their organizations' names too). */
  private keep(comments: readonly LiveComment[]): void {
    for (const comment of comments) {
      const author = comment.author;
      if (author?.organizationId && author.organizationName) this.organizations.set(author.organizationId, author.organizationName);
      this.upsert(comment);
    }
  }

  /** Keeps the newest version of each comment; a deletion is final (kept as a tombstone). */
  private upsert(comment: LiveComment): void {
    const known = this.comments.get(comment.id);
    if (known && (known.deletedAt || (!comment.deletedAt && comment.version <= known.version))) return;
    if (!comment.deletedAt) this.seenAlive.add(comment.id);
    const displayName = comment.author?.displayName ?? known?.author?.displayName;
    // socket events carry the anchor without its record's words: keep those of the first load
    const anchor = comment.anchor && !comment.anchor.label && known?.anchor?.id === comment.anchor.id ? known.anchor : comment.anchor;
    this.comments.set(comment.id, { ...comment, anchor, ...(comment.author ? { author: { ...comment.author, displayName } } : {}) });
  }

  private setViewers(viewers: LiveViewer[]): void {
    for (const viewer of viewers) if (viewer.displayName) this.names.set(viewer.userId, viewer.displayName);
    this.viewers = viewers.filter((viewer) => viewer.userId !== this.deps.me.userId);
    // someone who left is not typing any more
    for (const userId of [...this.typers.keys()]) if (!this.viewers.some((viewer) => viewer.userId === userId)) this.stopTyper(userId);
    this.changed();
  }

  private onTyping(event: TypingEvent): void {
    if (!this.isThisChart(event.patientId) || event.userId === this.deps.me.userId) return;
    if (event.displayName) this.names.set(event.userId, event.displayName);
    this.stopTyper(event.userId);
    if (event.typing) {
      this.typerNames.set(event.userId, event.displayName);
      this.typers.set(event.userId, setTimeout(() => {
        this.stopTyper(event.userId);
        this.changed();
      }, TYPING_SHOWN_MS));
    }
    this.changed();
  }

  private stopTyper(userId: string): void {
    clearTimeout(this.typers.get(userId));
    this.typers.delete(userId);
    this.typerNames.delete(userId);
  }

  private clearTypers(): void {
    for (const userId of [...this.typers.keys()]) this.stopTyper(userId);
  }

  /** Access ended: nothing of the chart stays on screen, and no reconnecting. */
  private removed(): void {
    this.status = 'removed';
    this.error = undefined;
    this.comments.clear();
    this.seenAlive.clear();
    this.earlierCursor = null;
    this.viewers = [];
    this.clearTypers();
    this.joined = false;
    this.live.close();
    this.changed();
  }

  private isThisChart(patientId: string): boolean {
    return patientId.toLowerCase() === this.deps.patientId.toLowerCase();
  }

  /** Emits and resolves with the ack's data; a refusal rejects with Refused (words to show), a timeout with a plain Error. */
  private async ask<T>(event: string, payload: unknown, notFound: string): Promise<T> {
    const socket = this.socket;
    if (!socket) throw new Error('not connected');
    const ack = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload)) as Ack<T>;
    if (!ack.ok) {
      const { code, message, field } = ack.error;
      throw new Refused(code === 'NOT_FOUND' ? notFound : code === 'CONFLICT' ? CHANGED_ELSEWHERE : describeCode(code, message, field).message);
    }
    return ack.data;
  }

  private organizationName(id: string | null): string | null {
    if (!id) return null;
    if (!this.organizations.has(id)) {
      this.organizations.set(id, null);
      void this.deps.organizationName(id).then((name) => {
        if (!name || this.closed) return;
        this.organizations.set(id, name);
        this.changed();
      }, () => undefined);
    }
    return this.organizations.get(id) ?? null;
  }

  /** "Name (Organization)", from what is known of the person; the role when not their name. */
  private label(userId: string, role: string | null, organizationId: string | null, displayName?: string | null): string {
    const name = displayName ?? this.names.get(userId) ?? (role ? humanize(role) : 'A colleague');
    const organization = this.organizationName(organizationId);
    return organization ? `${name} (${organization})` : name;
  }

  private changed(): void {
    if (this.closed) return;
    this.view = this.buildView();
    for (const listener of this.listeners) listener();
  }

  private buildView(): LiveCommentsView {
    const alive = [...this.comments.values()].filter((comment) => !comment.deletedAt && comment.body !== null);
    const parents = new Set(alive.map((comment) => comment.parentId));
    // a deleted comment stays in its thread when it was shown alive or still has replies
    const deleted = [...this.comments.values()].filter((comment) => comment.deletedAt && (this.seenAlive.has(comment.id) || parents.has(comment.id)));
    const comments: CommentView[] = [...alive, ...deleted].sort(byCreation).map((comment) => ({
      id: comment.id,
      body: comment.deletedAt ? '' : (comment.body ?? ''),
      createdAt: comment.createdAt,
      editedAt: comment.editedAt,
      authorName: comment.author ? this.label(comment.author.userId, comment.author.role, comment.author.organizationId, comment.author.displayName) : null,
      parentId: comment.parentId,
      anchor: comment.anchor,
      mine: comment.author?.userId === this.deps.me.userId,
      ...(comment.deletedAt ? { deleted: true } : {}),
    }));
    const viewers: Viewer[] = this.viewers.map((viewer) => ({
      userId: viewer.userId,
      name: viewer.displayName ?? humanize(viewer.role),
      organizationName: this.organizationName(viewer.organizationId),
    }));
    const typing = [...this.typers.keys()].map((userId) => {
      const viewer = this.viewers.find((v) => v.userId === userId);
      return this.label(userId, viewer?.role ?? null, viewer?.organizationId ?? null, this.typerNames.get(userId));
    });
    return { status: this.status, error: this.error, comments, hasEarlier: this.earlierCursor !== null, connection: this.live.connection, viewers, typing };
  }
}

const byCreation = (a: Pick<LiveComment, 'createdAt' | 'id'>, b: Pick<LiveComment, 'createdAt' | 'id'>) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
