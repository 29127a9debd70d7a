import { useApolloClient } from '@apollo/client';
import type { DocumentNode } from 'graphql';
import { useEffect } from 'react';
import { useAuth } from '../auth/AuthProvider';
import { openPageSocket } from '../live/page-socket';
import { LiveInbox, type InboxChange } from './live-inbox';
import { INBOX_NOTIFICATIONS, INBOX_THREAD, INBOX_THREADS, INBOX_UNREAD } from './queries';

/** The inbox queries each change makes stale (the unread count, always). */
const STALE: Record<InboxChange, readonly DocumentNode[]> = {
  messages: [INBOX_THREADS, INBOX_THREAD],
  notifications: [INBOX_NOTIFICATIONS],
};

/**
 * Keeps the signed-in clinician's inbox live while they are signed in (live-inbox.ts): a new
 * message, thread, read receipt or notification refetches the inbox queries on screen (the badge,
 * the thread list, the open thread, the notifications); the others are fresh when next shown.
 */
export function useLiveInbox(): void {
  const { session } = useAuth();
  const client = useApolloClient();
  useEffect(() => {
    const inbox = new LiveInbox({
      openSocket: openPageSocket,
      token: () => session.token(),
      refreshToken: () => session.refresh(),
      changed: (changes) => {
        const include = [INBOX_UNREAD, ...[...changes].flatMap((change) => STALE[change])];
        // only the queries on screen are asked again; a failure shows as that query's error
        client.refetchQueries({ include }).catch(() => undefined);
      },
    });
    inbox.start();
    return () => inbox.close();
  }, [session, client]);
}

/** useLiveInbox as an element: the layout renders it beside the inbox's navigation entry. */
export function KeepInboxLive(): null {
  useLiveInbox();
  return null;
}
