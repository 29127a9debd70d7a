import type { Socket } from 'socket.io-client';
import { LiveSocket, type LiveSocketDeps } from '../live/live-socket';

/*
 * The inbox, live: the messaging service sends a signed-in clinician's socket their new threads
 * and messages, read receipts and notifications (README "Events you receive"). The inbox's data
 * stays GraphQL's (unread counts, threads, notifications are queries): an event only says which
 * of them changed, and the app refetches those it shows. A (re)connection says "everything", for
 * what was sent while the socket was down. Without React: the hook is in InboxNavLink.tsx, and
 * test/web/live-inbox.test.ts runs this against the real servers.
 */

/** What an event changed: the message threads (new thread, new message, a read receipt) or the notifications. */
export type InboxChange = 'messages' | 'notifications';

/** The events of a user's own room, by what they change. */
const INBOX_EVENTS: Record<string, InboxChange> = {
  'thread:new': 'messages',
  'message:new': 'messages',
  'thread:read': 'messages',
  'notification:new': 'notifications',
  'notification:read': 'notifications',
};

export interface LiveInboxDeps extends LiveSocketDeps {
  /** Called with what changed; on a reconnection with both. */
  changed(changes: ReadonlySet<InboxChange>): void;
}

export class LiveInbox {
  private readonly live: LiveSocket;
  private connectedBefore = false;

  constructor(deps: LiveInboxDeps) {
    this.live = new LiveSocket(deps, {
      listen: (socket: Socket) => {
        for (const [event, change] of Object.entries(INBOX_EVENTS)) socket.on(event, () => deps.changed(new Set([change])));
      },
      connected: () => {
        // what arrived while the socket was down is in the database: ask for all of it again
        if (this.connectedBefore) deps.changed(new Set(Object.values(INBOX_EVENTS)));
        this.connectedBefore = true;
      },
      offline: () => undefined, // the inbox keeps showing what it has; its polling goes on
      sessionEnded: () => undefined, // the app signs out (the session's refresh failed)
    });
  }

  get connection() {
    return this.live.connection;
  }

  start(): void {
    this.live.start();
  }

  close(): void {
    this.live.close();
  }
}
