import { useMutation, useQuery } from '@apollo/client';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useMe } from '../auth/me';
import { describeProblem } from '../ui/errors';
import { formatDateTime } from '../ui/format';
import { Empty, QueryState, Section } from '../ui/states';
import { NotificationsSection } from './NotificationsSection';
import { appendPage, MoreButton } from '../ui/paging';
import { aboutPatient, excerpt, senderName, threadTitle } from './people';
import { INBOX_THREADS, INBOX_UNREAD, MARK_THREAD_READ } from './queries';
import { useOnUnreadChange } from './refresh';

export const THREAD_PAGE_SIZE = 20;

function ThreadList() {
  const me = useMe();
  const result = useQuery(INBOX_THREADS, { variables: { first: THREAD_PAGE_SIZE } });
  const [markRead] = useMutation(MARK_THREAD_READ, { refetchQueries: [INBOX_UNREAD, INBOX_THREADS] });
  const [error, setError] = useState<string>();
  const loadMore = (after: string) =>
    result.fetchMore({ variables: { after }, updateQuery: (previous, { fetchMoreResult }) => ({ messageThreads: appendPage(previous.messageThreads, fetchMoreResult.messageThreads) }) });
  useOnUnreadChange(result.refetch);
  const onMarkRead = async (threadId: string, upToMessageId: string | undefined) => {
    setError(undefined);
    try {
      await markRead({ variables: { input: { threadId, upToMessageId } } });
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    }
  };
  return (
    <Section title="Messages" id="messages" actions={<button type="button" onClick={() => void result.refetch()}>Refresh</button>}>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      <QueryState {...result} data={result.data?.messageThreads} what="your messages" retry={() => void result.refetch()}>
        {(threads) =>
          threads.edges.length ? (
            <>
              <p className="meta">{threads.unreadCount ? `${threads.unreadCount} unread, newest first` : 'All read, newest first'}</p>
              <ul className="threads" aria-label="Message threads">
                {threads.edges.map(({ node: thread }) => (
                  <li key={thread.id} className={thread.unreadCount ? 'unread' : undefined}>
                    <div className="thread-summary">
                      <p className="thread-title">
                        <Link to={`threads/${thread.id}`}>{threadTitle(thread, me.id)}</Link>{' '}
                        {thread.unreadCount ? <span className="tag tag-unread">{thread.unreadCount} unread</span> : null}
                      </p>
                      {thread.patient ? <p className="meta">About {aboutPatient(thread.patient)}</p> : null}
                      {thread.lastMessage ? (
                        <p className="preview">
                          {senderName(thread.lastMessage, me, thread.participants)}: {excerpt(thread.lastMessage.body)}
                        </p>
                      ) : null}
                      <p className="meta">
                        <time dateTime={thread.lastActivityAt}>{formatDateTime(thread.lastActivityAt)}</time>
                      </p>
                    </div>
                    {thread.unreadCount ? (
                      <button type="button" onClick={() => void onMarkRead(thread.id, thread.lastMessage?.id)} aria-label={`Mark “${threadTitle(thread, me.id)}” read`}>
                        Mark read
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
              <MoreButton pageInfo={threads.pageInfo} load={loadMore} what="older conversations" />
            </>
          ) : (
            <Empty>No messages yet. Start a conversation with New message.</Empty>
          )
        }
      </QueryState>
    </Section>
  );
}

/** The inbox: provider message threads (newest activity first) and notifications. */
export function InboxPage() {
  return (
    <div className="page">
      <div className="inbox-head">
        <h1>Inbox</h1>
        <Link to="new" className="button-link">
          New message
        </Link>
      </div>
      <div className="inbox-layout">
        <ThreadList />
        <NotificationsSection />
      </div>
    </div>
  );
}
