import { useQuery } from '@apollo/client';
import { useEffect, useRef, useState } from 'react';
import type { InboxUnreadQuery } from '../gql/graphql';
import { INBOX_UNREAD } from './queries';

/** How often the unread count is asked for while the tab is visible. */
export const INBOX_POLL_MS = 30_000;
/** Focus and visibilitychange both fire when a tab comes back: one refetch for both. */
const SETTLE_MS = 1_000;

/**
 * Calls `refetch` every `everyMs` while the page is visible (a hidden tab asks nothing), and at
 * once when the window regains focus or the tab becomes visible again. No socket: the count is
 * a small GraphQL query.
 */
export function useRefetchWhileVisible(refetch: () => unknown, everyMs = INBOX_POLL_MS): void {
  const latest = useRef(refetch);
  useEffect(() => {
    latest.current = refetch;
  }, [refetch]);
  useEffect(() => {
    let lastRun = Date.now();
    const run = (force: boolean) => {
      if (document.visibilityState !== 'visible') return;
      if (!force && Date.now() - lastRun < SETTLE_MS) return;
      lastRun = Date.now();
      // a failed refetch shows as the query's error (the badge hides); the next one may succeed
      Promise.resolve(latest.current()).catch(() => undefined);
    };
    const onReturn = () => run(false);
    const timer = window.setInterval(() => run(true), everyMs);
    window.addEventListener('focus', onReturn);
    document.addEventListener('visibilitychange', onReturn);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('focus', onReturn);
      document.removeEventListener('visibilitychange', onReturn);
    };
  }, [everyMs]);
}

/** The badge's words for assistive technology: "Inbox, 3 unread" (just "Inbox" when nothing is unread). */
export function unreadLabel(label: string, count: number | undefined): string {
  return count ? `${label}, ${count} unread` : label;
}

/** What the badge counts: unread messages over all threads plus unread notifications (undefined until known). */
export function unreadTotal(data: InboxUnreadQuery | undefined): number | undefined {
  return data ? data.messageThreads.unreadCount + data.myNotifications.unreadCount : undefined;
}

/** The badge's text: exact up to 99. */
export function badgeText(count: number): string {
  return count > 99 ? '99+' : String(count);
}

/** Refetches `refetch` whenever the badge's count (kept fresh by the navigation) changes. */
export function useOnUnreadChange(refetch: () => unknown): void {
  const total = unreadTotal(useQuery(INBOX_UNREAD, { fetchPolicy: 'cache-only' }).data);
  const [seen, setSeen] = useState(total);
  useEffect(() => {
    if (total === seen) return;
    setSeen(total);
    if (seen !== undefined) Promise.resolve(refetch()).catch(() => undefined); // the list shows its own error
  }, [total, seen, refetch]);
}
