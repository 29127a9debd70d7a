import { useMutation, useQuery } from '@apollo/client';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { InboxNotificationsQuery } from '../gql/graphql';
import { describeProblem } from '../ui/errors';
import { formatDate, formatDateTime, humanize } from '../ui/format';
import { Empty, QueryState, Section } from '../ui/states';
import { appendPage, MoreButton } from '../ui/paging';
import { useMe } from '../auth/me';
import { aboutPatient, excerpt, nameAcrossOrganizations, type Reader } from './people';
import { INBOX_NOTIFICATIONS, INBOX_UNREAD, MARK_NOTIFICATIONS_READ } from './queries';
import { useOnUnreadChange } from './refresh';

type NotificationNode = InboxNotificationsQuery['myNotifications']['edges'][number]['node'];

/** The measurements a monitoring threshold is set on (setMonitoringThreshold), by LOINC code. */
const MEASUREMENTS: Record<string, string> = {
  '29463-7': 'Body weight',
  '2339-0': 'Glucose',
  '8867-4': 'Heart rate',
  '8480-6': 'Systolic blood pressure',
  '8462-4': 'Diastolic blood pressure',
};

/** What happened, in words: who mentioned the reader, which value crossed, which gap opened. */
export function describeNotification(notification: Pick<NotificationNode, 'kind' | 'mention' | 'monitoringAlert' | 'careGap'>, reader: Reader): string {
  switch (notification.kind) {
    case 'MENTION': {
      const author = notification.mention?.comment?.author;
      // the comment deleted, or its chart no longer visible: only that there was a mention
      if (!author) return 'You were mentioned in a chart comment';
      return `${author.userId === reader.id ? 'You' : nameAcrossOrganizations(author.displayName ?? null, author.organization, reader)} mentioned you in a chart comment`;
    }
    case 'MONITORING_ALERT': {
      const alert = notification.monitoringAlert;
      if (!alert) return 'A device reading crossed a threshold';
      return `${MEASUREMENTS[alert.code] ?? `Reading ${alert.code}`} ${alert.direction === 'HIGH' ? 'above' : 'below'} its threshold`;
    }
    case 'CARE_GAP': {
      const gap = notification.careGap;
      return gap ? `Care gap ${humanize(gap.ruleCode)}: ${humanize(gap.status)} since ${formatDate(gap.dueDate)}` : 'A care gap opened';
    }
    default:
      return 'Notification';
  }
}

export function NotificationsSection() {
  const me = useMe();
  const result = useQuery(INBOX_NOTIFICATIONS, { variables: { first: 20 } });
  const [markRead, marking] = useMutation(MARK_NOTIFICATIONS_READ, { refetchQueries: [INBOX_UNREAD, INBOX_NOTIFICATIONS] });
  const [error, setError] = useState<string>();
  useOnUnreadChange(result.refetch);
  const mark = async (input: { ids?: string[]; all?: boolean }) => {
    setError(undefined);
    try {
      await markRead({ variables: { input } });
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    }
  };
  const followed = (node: NotificationNode) => {
    if (!node.readAt) void markRead({ variables: { input: { ids: [node.id] } } }).catch(() => undefined); // still unread: shown as such on return
  };
  const loadMore = (after: string) =>
    result.fetchMore({ variables: { after }, updateQuery: (previous, { fetchMoreResult }) => ({ myNotifications: appendPage(previous.myNotifications, fetchMoreResult.myNotifications) }) });
  const unread = result.data?.myNotifications.unreadCount ?? 0;
  return (
    <Section
      title="Notifications"
      id="notifications"
      actions={unread ? <button type="button" onClick={() => void mark({ all: true })} disabled={marking.loading}>Mark all read</button> : null}
    >
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      <QueryState {...result} data={result.data?.myNotifications} what="notifications" retry={() => void result.refetch()}>
        {(notifications) =>
          notifications.edges.length ? (
            <>
              <p className="meta">{notifications.unreadCount ? `${notifications.unreadCount} unread` : 'All read'}: mentions, monitoring alerts and care gaps</p>
              <ul className="notifications" aria-label="Notifications">
                {notifications.edges.map(({ node }) => (
                  <li key={node.id} className={node.readAt ? undefined : 'unread'}>
                    <div className="thread-summary">
                      <p className="notification-text">
                        {describeNotification(node, me)}
                        {node.readAt ? null : <span className="visually-hidden"> (unread)</span>}
                      </p>
                      {node.mention?.comment ? <p className="preview">“{excerpt(node.mention.comment.body)}”</p> : null}
                      {node.patient ? (
                        <p className="meta">
                          {/* following a notification reads it */}
                          {node.mention?.comment ? (
                            <Link to={`/care/patients/${node.patient.id}?comment=${encodeURIComponent(node.mention.comment.id)}`} onClick={() => followed(node)}>
                              Open the comment on the chart of {aboutPatient(node.patient)}
                            </Link>
                          ) : (
                            <Link to={`/care/patients/${node.patient.id}`} onClick={() => followed(node)}>
                              Chart of {aboutPatient(node.patient)}
                            </Link>
                          )}
                        </p>
                      ) : null}
                      <p className="meta">
                        <time dateTime={node.createdAt}>{formatDateTime(node.createdAt)}</time>
                      </p>
                    </div>
                    {node.readAt ? null : (
                      <button type="button" onClick={() => void mark({ ids: [node.id] })} aria-label={`Mark “${describeNotification(node, me)}” read`}>
                        Mark read
                      </button>
                    )}
                  </li>
                ))}
              </ul>
              <MoreButton pageInfo={notifications.pageInfo} load={loadMore} what="older notifications" />
            </>
          ) : (
            <Empty>No notifications. Mentions of you in chart comments, monitoring alerts and new care gaps of your patients appear here.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}
