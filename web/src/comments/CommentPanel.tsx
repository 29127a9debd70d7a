import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { describeProblem } from '../ui/errors';
import { formatDateTime } from '../ui/format';
import { ErrorState, Loading } from '../ui/states';
import type { CommentAnchor, CommentFeed, CommentView } from './feed';

/** A pending anchor: the record a new comment will be pinned to, with words for it. */
export interface AnchorChoice extends CommentAnchor {
  label: string;
}

const MAX_BODY = 5000;
const TYPING_IDLE_MS = 3000;

/** Renders @mentions as highlighted names; the rest stays plain text (never HTML). */
export function withMentions(body: string): ReactNode[] {
  return body.split(/(@[\p{L}\p{N}._-]+)/u).map((part, index) =>
    part.startsWith('@') && part.length > 1 ? (
      <mark key={index} className="mention">
        {part}
      </mark>
    ) : (
      part
    ),
  );
}

function CommentForm({ feed, anchor, parentId, onDone, label }: {
  feed: CommentFeed;
  anchor?: AnchorChoice | null;
  parentId?: string;
  onDone?(): void;
  label: string;
}) {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const typingTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(typingTimer.current), []);

  const onChange = (value: string) => {
    setBody(value);
    feed.setTyping(value.length > 0);
    clearTimeout(typingTimer.current);
    typingTimer.current = setTimeout(() => feed.setTyping(false), TYPING_IDLE_MS);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const text = body.trim();
    if (!text) return setError('Write something first.');
    if (text.length > MAX_BODY) return setError(`At most ${MAX_BODY} characters.`);
    setBusy(true);
    setError(undefined);
    try {
      await feed.add({ body: text, parentId, anchor: anchor ? { type: anchor.type, id: anchor.id } : undefined });
      setBody('');
      feed.setTyping(false);
      onDone?.();
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="comment-form" onSubmit={submit}>
      <label>
        {label}
        <textarea value={body} onChange={(e) => onChange(e.target.value)} rows={parentId ? 2 : 3} maxLength={MAX_BODY} aria-invalid={error ? true : undefined} />
      </label>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Posting…' : parentId ? 'Reply' : 'Post comment'}
        </button>
        {onDone && parentId ? (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

function CommentItem({ comment, replies, feed, describeAnchor }: {
  comment: CommentView;
  replies: CommentView[];
  feed: CommentFeed;
  describeAnchor(anchor: CommentView['anchor']): string;
}) {
  const [replying, setReplying] = useState(false);
  return (
    <li className="comment">
      <article aria-label={`Comment by ${comment.authorName ?? 'a clinician'}`}>
        <header>
          <strong>{comment.authorName ?? 'A clinician'}</strong> <time dateTime={comment.createdAt}>{formatDateTime(comment.createdAt)}</time>
        </header>
        {comment.anchor ? <p className="comment-anchor">On {describeAnchor(comment.anchor)}</p> : null}
        <p className="comment-body">{withMentions(comment.body)}</p>
        {replies.length ? (
          <ul className="replies" aria-label="Replies">
            {replies.map((reply) => (
              <li key={reply.id} className="comment reply">
                <header>
                  <strong>{reply.authorName ?? 'A clinician'}</strong> <time dateTime={reply.createdAt}>{formatDateTime(reply.createdAt)}</time>
                </header>
                <p className="comment-body">{withMentions(reply.body)}</p>
              </li>
            ))}
          </ul>
        ) : null}
        {replying ? (
          <CommentForm feed={feed} parentId={comment.id} onDone={() => setReplying(false)} label="Your reply" />
        ) : (
          <button type="button" className="link" onClick={() => setReplying(true)}>
            Reply
          </button>
        )}
      </article>
    </li>
  );
}

/**
 * Comments beside the chart: threads (one level of replies), comments pinned to a record (start
 * one from the record's "Comment" button), @mentions, and, with a live feed, who else is viewing
 * and typing.
 */
export function CommentPanel({ feed, anchor, onClearAnchor, describeAnchor = (a) => (a ? a.type.toLowerCase().replace(/_/g, ' ') : '') }: {
  feed: CommentFeed;
  anchor?: AnchorChoice | null;
  onClearAnchor?(): void;
  describeAnchor?(anchor: CommentView['anchor']): string;
}) {
  const roots = feed.comments.filter((comment) => !comment.parentId || !feed.comments.some((c) => c.id === comment.parentId));
  const repliesOf = (id: string) => feed.comments.filter((comment) => comment.parentId === id);
  return (
    <aside className="comment-panel card" aria-labelledby="comments-heading">
      <div className="card-head">
        <h2 id="comments-heading">Comments</h2>
        {!feed.live ? (
          <button type="button" onClick={feed.reload}>
            Refresh
          </button>
        ) : null}
      </div>
      {feed.live ? (
        <div className="presence" aria-live="polite">
          {feed.viewers.length ? (
            <p>
              Viewing now:{' '}
              {feed.viewers.map((viewer) => `${viewer.name}${viewer.organizationName ? ` (${viewer.organizationName})` : ''}`).join(', ')}
            </p>
          ) : (
            <p>No one else has this chart open.</p>
          )}
        </div>
      ) : (
        <p className="muted">Comments from other care teams appear when you refresh.</p>
      )}
      {anchor ? (
        <p className="anchor-choice">
          New comment on <strong>{anchor.label}</strong>{' '}
          <button type="button" className="link" onClick={onClearAnchor}>
            Unpin
          </button>
        </p>
      ) : null}
      <CommentForm feed={feed} anchor={anchor} onDone={onClearAnchor} label={anchor ? 'Comment on this record' : 'New comment (use @name to mention)'} />
      <p className="typing" aria-live="polite">
        {feed.typing.length ? `${feed.typing.join(', ')} ${feed.typing.length === 1 ? 'is' : 'are'} typing…` : ''}
      </p>
      {feed.status === 'loading' ? <Loading what="comments" /> : null}
      {feed.status === 'error' ? <ErrorState error={feed.error} retry={feed.reload} what="comments" /> : null}
      {feed.status === 'ready' && !roots.length ? <p className="state state-empty">No comments on this chart yet.</p> : null}
      <ol className="comments" aria-label="Comment threads">
        {roots.map((comment) => (
          <CommentItem key={comment.id} comment={comment} replies={repliesOf(comment.id)} feed={feed} describeAnchor={describeAnchor} />
        ))}
      </ol>
    </aside>
  );
}
