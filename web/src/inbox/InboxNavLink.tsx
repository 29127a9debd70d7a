import { useQuery } from '@apollo/client';
import { NavLink } from 'react-router-dom';
import { INBOX_UNREAD } from './queries';
import { badgeText, unreadLabel, unreadTotal, useRefetchWhileVisible } from './refresh';

/**
 * The navigation entry to the inbox with its unread badge, named for screen readers "Inbox, 3
 * unread". The layout keeps it live (KeepInboxLive in use-live-inbox.ts); it is also polled every
 * 30 s while the tab is visible, and refetched when the window regains focus, for a socket that is down.
 */
export function InboxNavLink({ to, label }: { to: string; label: string }) {
  const { data, refetch } = useQuery(INBOX_UNREAD);
  const count = unreadTotal(data);
  useRefetchWhileVisible(refetch);
  return (
    <NavLink to={to} aria-label={unreadLabel(label, count)}>
      {label}
      {count ? (
        <span className="badge" aria-hidden="true" data-testid="inbox-unread">
          {badgeText(count)}
        </span>
      ) : null}
    </NavLink>
  );
}
