import { useMutation, useQuery } from '@apollo/client';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useMe } from '../auth/me';
import { describeProblem } from '../ui/errors';
import { formatDateTime } from '../ui/format';
import { ErrorState, Loading } from '../ui/states';
import { appendPage, MoreButton } from '../ui/paging';
import { aboutPatient, describePerson, MESSAGE_MAX_LENGTH, newClientMessageId, senderName, threadTitle } from './people';
import { INBOX_THREAD, INBOX_UNREAD, MARK_THREAD_READ, SEND_MESSAGE } from './queries';
import { useOnUnreadChange } from './refresh';

const MESSAGE_PAGE_SIZE = 30;

function ReplyForm({ threadId, onSent }: { threadId: string; onSent(): void }) {
  const [body, setBody] = useState('');
  // one id per draft: a retry after a lost answer is stored once
  const [clientMessageId, setClientMessageId] = useState(newClientMessageId);
  const [error, setError] = useState<string>();
  const [send, { loading }] = useMutation(SEND_MESSAGE, { refetchQueries: [INBOX_UNREAD] });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!body.trim()) return setError('Write a message first.');
    setError(undefined);
    try {
      await send({ variables: { input: { threadId, body: body.trim(), clientMessageId } } });
      setBody('');
      setClientMessageId(newClientMessageId());
      onSent();
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    }
  };
  return (
    <form className="message-form" onSubmit={submit}>
      <label>
        Reply
        <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={3} maxLength={MESSAGE_MAX_LENGTH} aria-invalid={error ? true : undefined} aria-describedby={error ? 'reply-error' : undefined} />
      </label>
      {error ? (
        <p id="reply-error" className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" disabled={loading}>
          {loading ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** One conversation: its messages (oldest first on screen, earlier pages on demand), a reply form; opening it marks it read. */
export function ThreadPage() {
  const { threadId = '' } = useParams();
  const me = useMe();
  const result = useQuery(INBOX_THREAD, { variables: { id: threadId, first: MESSAGE_PAGE_SIZE } });
  const [markRead] = useMutation(MARK_THREAD_READ, {
    refetchQueries: [INBOX_UNREAD],
    update: (cache) => void cache.modify({ id: cache.identify({ __typename: 'MessageThread', id: threadId }), fields: { unreadCount: () => 0 } }),
  });
  const [markError, setMarkError] = useState<string>();
  useOnUnreadChange(result.refetch);
  const thread = result.data?.messageThread;
  const newestId = thread?.messages?.edges[0]?.node.id;
  const unread = thread?.unreadCount ?? 0;

  useEffect(() => {
    // read up to the newest message on screen (not one that arrived since)
    if (!unread || !newestId) return;
    markRead({ variables: { input: { threadId, upToMessageId: newestId } } }).then(
      () => setMarkError(undefined),
      (failure: Error) => setMarkError(describeProblem(failure).message),
    );
  }, [threadId, unread, newestId, markRead]);

  const back = (
    <p>
      <Link to="/inbox">← Inbox</Link>
    </p>
  );
  if (result.error) return <div className="page">{back}<ErrorState error={result.error} retry={() => void result.refetch()} what="this conversation" /></div>;
  if (!result.data) return <div className="page">{back}<Loading what="the conversation" /></div>;
  if (!thread) {
    return (
      <div className="page narrow">
        {back}
        <h1>Conversation not available</h1>
        <p>This conversation does not exist, or you do not take part in it.</p>
      </div>
    );
  }
  const others = thread.participants.filter((participant) => participant.userId !== me.id);
  const messages = thread.messages ? [...thread.messages.edges].reverse() : [];
  const loadEarlier = (after: string) =>
    result.fetchMore({
      variables: { after },
      updateQuery: (previous, { fetchMoreResult }) => {
        const shown = previous.messageThread;
        const next = fetchMoreResult.messageThread;
        if (!shown?.messages || !next?.messages) return previous;
        return { messageThread: { ...shown, messages: appendPage(shown.messages, next.messages) } };
      },
    });
  return (
    <div className="page">
      {back}
      <h1>{threadTitle(thread, me.id)}</h1>
      <p className="meta">With {others.length ? others.map(describePerson).join(', ') : 'no one else'}</p>
      {thread.patient ? (
        <p>
          About <Link to={`/care/patients/${thread.patient.id}`}>{aboutPatient(thread.patient)}</Link>
        </p>
      ) : null}
      {markError ? <p className="field-error" role="alert">Could not mark this conversation read: {markError}</p> : null}
      {thread.messages ? (
        <section className="card" aria-labelledby="messages-heading">
          <div className="card-head">
            <h2 id="messages-heading">Messages</h2>
            <button type="button" onClick={() => void result.refetch()}>
              Refresh
            </button>
          </div>
          <MoreButton pageInfo={thread.messages.pageInfo} load={loadEarlier} what="earlier messages" />
          {messages.length ? (
            <ol className="messages" aria-label="Messages, oldest first">
              {messages.map(({ node: message }) => (
                <li key={message.id}>
                  <article className={message.senderUserId === me.id ? 'message mine' : 'message'} aria-label={`Message from ${senderName(message, me, thread.participants)}`}>
                    <header>
                      <strong>{senderName(message, me, thread.participants)}</strong> · <time dateTime={message.createdAt}>{formatDateTime(message.createdAt)}</time>
                    </header>
                    <p className="message-body">{message.body}</p>
                  </article>
                </li>
              ))}
            </ol>
          ) : (
            <p className="state state-empty">No messages yet: write the first one.</p>
          )}
          <ReplyForm threadId={thread.id} onSent={() => void result.refetch()} />
        </section>
      ) : (
        <p className="state state-error" role="alert">
          You can no longer see this patient’s chart, so the messages of this conversation are closed to you.
        </p>
      )}
    </div>
  );
}
