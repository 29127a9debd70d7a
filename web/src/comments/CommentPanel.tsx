import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode, type RefObject, type SyntheticEvent } from 'react';
import { describeProblem } from '../ui/errors';
import { formatDateTime } from '../ui/format';
import { ErrorState, FieldError, Loading } from '../ui/states';
import { REMOVED_NOTICE, type CommentAnchor, type CommentFeed, type CommentView, type MentionOption } from './feed';

/** A pending anchor: the record a new comment will be pinned to, with words for it. */
export interface AnchorChoice extends CommentAnchor {
  label: string;
}

const MAX_BODY = 5000;
const MAX_MENTIONS = 20;
const TYPING_IDLE_MS = 3000;
const MENTION_DEBOUNCE_MS = 150;
const MENTION_OPTIONS = 8;
/** How many pages of earlier comments the panel reads, at most, looking for a comment a link pointed to. */
const FOCUS_SEARCH_PAGES = 20;
/** `@` at the start or after a space, then the name typed so far, right before the caret. */
const MENTION_QUERY = /(^|\s)@([\p{L}\p{N}._'-]{1,40})$/u;

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

/** How a chosen colleague is written in the text: "Ana María Ruiz" → "@Ana.María.Ruiz" (one word, so it stays highlighted). */
export function mentionHandle(name: string): string {
  return `@${name.split(/[^\p{L}\p{N}]+/u).filter(Boolean).join('.')}`;
}

/** The practitioners of `chosen` whose handle is still in `body` (at most MAX_MENTIONS). */
function mentionedIn(body: string, chosen: readonly MentionOption[]): string[] {
  const handles = new Set(body.match(/@[\p{L}\p{N}._-]+/gu)?.map((handle) => handle.replace(/[._-]+$/, '')) ?? []);
  return [...new Set(chosen.filter((option) => handles.has(mentionHandle(option.name))).map((option) => option.practitionerId))].slice(0, MAX_MENTIONS);
}

interface MentionQuery {
  /** Where the `@` is. */
  start: number;
  /** Where the caret is (the query ends there). */
  end: number;
  text: string;
}

function mentionQueryAt(value: string, caret: number): MentionQuery | null {
  const match = MENTION_QUERY.exec(value.slice(0, caret));
  return match ? { start: caret - match[2].length - 1, end: caret, text: match[2] } : null;
}

/**
 * @mention autocomplete for a textarea: typing `@` and a letter or more offers colleagues who may
 * see the chart; ArrowDown/ArrowUp move through them, Enter or Tab picks one, Escape closes the
 * list. The textarea keeps its textbox role (HTML allows no other on a textarea) and points at
 * the listbox and its active option (aria-controls, aria-activedescendant).
 */
function useMentionAutocomplete(feed: CommentFeed, body: string, setBody: (value: string) => void, textarea: RefObject<HTMLTextAreaElement | null>) {
  const listboxId = useId();
  const [query, setQuery] = useState<MentionQuery | null>(null);
  const [options, setOptions] = useState<readonly MentionOption[] | null>(null);
  const [active, setActive] = useState(0);
  const [chosen, setChosen] = useState<MentionOption[]>([]);
  /** The `@` whose list was dismissed with Escape: stays closed until another `@` is typed. */
  const dismissedAt = useRef<number | null>(null);
  const caretAfter = useRef<number | null>(null);
  // the feed object changes on every update (someone typing): the search waits for the text only
  const findMentions = useRef(feed.findMentions);
  findMentions.current = feed.findMentions;
  const queryText = query?.text;

  useEffect(() => {
    if (!queryText) return undefined;
    let current = true;
    const timer = setTimeout(() => {
      findMentions.current(queryText.replace(/[._]+/g, ' ')).then(
        (found) => {
          if (!current) return;
          setOptions(found.slice(0, MENTION_OPTIONS));
          setActive(0);
        },
        () => current && setOptions(null),
      );
    }, MENTION_DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [queryText]);

  // after a pick, the caret goes right after the inserted name
  useEffect(() => {
    if (caretAfter.current === null || !textarea.current) return;
    textarea.current.setSelectionRange(caretAfter.current, caretAfter.current);
    caretAfter.current = null;
  }, [body, textarea]);

  const close = () => {
    setQuery(null);
    setOptions(null);
  };

  /** After each edit or caret move: is the caret in an @name? */
  const track = (value: string, caret: number) => {
    const next = mentionQueryAt(value, caret);
    if (!next || next.start === dismissedAt.current) return close();
    dismissedAt.current = null;
    setQuery(next);
    if (next.text !== query?.text) setOptions(null);
  };

  const pick = (option: MentionOption) => {
    if (!query) return;
    const inserted = `${mentionHandle(option.name)} `;
    caretAfter.current = query.start + inserted.length;
    setBody(body.slice(0, query.start) + inserted + body.slice(query.end));
    setChosen((list) => (list.some((o) => o.practitionerId === option.practitionerId) ? list : [...list, option]));
    close();
  };

  const open = Boolean(query && options?.length);
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!query || !options) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      dismissedAt.current = query.start;
      return close();
    }
    if (!options.length) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((index) => (index + step + options.length) % options.length);
    } else if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
      event.preventDefault();
      pick(options[active]);
    }
  };

  const optionId = (index: number) => `${listboxId}-option-${index}`;
  const inputProps = {
    'aria-autocomplete': 'list' as const,
    'aria-controls': open ? listboxId : undefined,
    'aria-activedescendant': open ? optionId(active) : undefined,
    onKeyDown,
    onSelect: (event: SyntheticEvent<HTMLTextAreaElement>) => track(event.currentTarget.value, event.currentTarget.selectionStart ?? event.currentTarget.value.length),
    onBlur: close,
  };
  const list = !query || !options ? null : options.length ? (
    <ul id={listboxId} role="listbox" aria-label="Colleagues to mention" className="mention-options">
      {options.map((option, index) => (
        <li
          key={option.practitionerId}
          id={optionId(index)}
          role="option"
          aria-selected={index === active}
          className={index === active ? 'active' : undefined}
          // mousedown, not click: the textarea keeps the focus
          onMouseDown={(event) => {
            event.preventDefault();
            pick(option);
          }}
        >
          {option.name}
          {option.organizationName ? <span className="muted"> ({option.organizationName})</span> : null}
        </li>
      ))}
    </ul>
  ) : (
    <p className="mention-none">No colleague named “{query.text}” can see this chart.</p>
  );
  const announcement = open ? `${options!.length} ${options!.length === 1 ? 'colleague' : 'colleagues'} to mention: up and down arrows to choose, Enter to pick, Escape to close.` : '';
  return {
    inputProps,
    track,
    list,
    announcement,
    mentions: () => mentionedIn(body, chosen),
    reset: () => {
      setChosen([]);
      close();
    },
  };
}

/**
 * A comment's text box with @mention autocomplete, for a new comment, a reply or an edit: `send`
 * gets the trimmed text and the practitioners @mentioned; on failure the error shows and the text stays.
 */
function CommentForm({ feed, label, submitLabel, busyLabel, rows = 3, initialBody = '', send, onSent, onCancel }: {
  feed: CommentFeed;
  label: string;
  submitLabel: string;
  busyLabel: string;
  rows?: number;
  initialBody?: string;
  send(body: string, mentions: string[]): Promise<void>;
  onSent?(): void;
  onCancel?(): void;
}) {
  const [body, setBody] = useState(initialBody);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const typingTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const mentions = useMentionAutocomplete(feed, body, setBody, textarea);
  useEffect(() => () => clearTimeout(typingTimer.current), []);

  const onChange = (value: string, caret: number) => {
    setBody(value);
    mentions.track(value, caret);
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
      await send(text, mentions.mentions());
      setBody('');
      mentions.reset();
      clearTimeout(typingTimer.current);
      feed.setTyping(false);
      onSent?.();
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
        <textarea
          ref={textarea}
          value={body}
          onChange={(e) => onChange(e.target.value, e.target.selectionStart ?? e.target.value.length)}
          rows={rows}
          maxLength={MAX_BODY}
          aria-invalid={error ? true : undefined}
          autoFocus={Boolean(initialBody)}
          {...mentions.inputProps}
        />
      </label>
      {mentions.list}
      <p className="visually-hidden" aria-live="polite">
        {mentions.announcement}
      </p>
      <FieldError>{error}</FieldError>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** What a new comment or reply sends: mentions only when there are some. */
function newComment(feed: CommentFeed, fields: { parentId?: string; anchor?: AnchorChoice | null }) {
  const { parentId, anchor } = fields;
  return (body: string, mentioned: string[]) =>
    feed.add({ body, parentId, anchor: anchor ? { type: anchor.type, id: anchor.id } : undefined, ...(mentioned.length ? { mentions: mentioned } : {}) });
}

function CommentHeader({ comment }: { comment: CommentView }) {
  return (
    <header>
      <strong>{comment.authorName ?? 'A clinician'}</strong> <time dateTime={comment.createdAt}>{formatDateTime(comment.createdAt)}</time>
      {comment.editedAt && !comment.deleted ? <span className="muted"> (edited)</span> : null}
    </header>
  );
}

/**
 * One comment's text, or "Comment deleted"; on the user's own comments, Edit (the text in a box,
 * Save or Cancel) and Delete (asks once more). Errors show beside it; an edit's text is kept.
 */
function CommentContent({ comment, feed }: { comment: CommentView; feed: CommentFeed }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string>();
  const editButton = useRef<HTMLButtonElement>(null);
  if (comment.deleted) return <p className="comment-body comment-deleted muted">Comment deleted</p>;
  const stopEditing = () => {
    setEditing(false);
    // back to where the edit started (the button is rendered again first)
    setTimeout(() => editButton.current?.focus());
  };
  const remove = async () => {
    setDeleting(true);
    setError(undefined);
    try {
      await feed.remove(comment.id);
    } catch (failure) {
      setError(describeProblem(failure as Error).message);
      setConfirming(false);
    } finally {
      setDeleting(false);
    }
  };
  if (editing) {
    return (
      <CommentForm
        feed={feed}
        label="Edit your comment"
        submitLabel="Save"
        busyLabel="Saving…"
        rows={2}
        initialBody={comment.body}
        send={(body, mentioned) => (body === comment.body && !mentioned.length ? Promise.resolve() : feed.edit(comment.id, body, mentioned))}
        onSent={stopEditing}
        onCancel={stopEditing}
      />
    );
  }
  return (
    <>
      <p className="comment-body">{withMentions(comment.body)}</p>
      {comment.mine ? (
        <div className="row comment-actions">
          {confirming ? (
            <>
              <span>Delete this comment?</span>
              <button type="button" className="danger" onClick={remove} disabled={deleting} autoFocus>
                {deleting ? 'Deleting…' : 'Delete'}
              </button>
              <button type="button" onClick={() => setConfirming(false)} disabled={deleting}>
                Keep
              </button>
            </>
          ) : (
            <>
              <button type="button" className="link" ref={editButton} onClick={() => { setError(undefined); setEditing(true); }}>
                Edit
              </button>
              <button type="button" className="link" onClick={() => { setError(undefined); setConfirming(true); }}>
                Delete
              </button>
            </>
          )}
        </div>
      ) : null}
      <FieldError>{error}</FieldError>
    </>
  );
}

/** The DOM id of a comment's element: what a link to one comment (`?comment=<id>`) brings into view. */
const commentElementId = (id: string) => `comment-${id}`;

/**
 * The comment a link pointed to (a mention notification's "Open the comment"): once the panel has
 * it, scrolled into view and focused; until then earlier pages are read, FOCUS_SEARCH_PAGES at
 * most. `missing`: the chart no longer shows it to this reader (a deleted comment stays in its
 * thread as "Comment deleted", so that is a comment out of reach, not one deleted).
 */
function useFocusedComment(feed: CommentFeed, commentId: string | undefined): 'none' | 'searching' | 'shown' | 'missing' {
  const [state, setState] = useState<'none' | 'searching' | 'shown' | 'missing'>(commentId ? 'searching' : 'none');
  const pagesRead = useRef(0);
  // state, not a ref: the end of a page's load must run the search again
  const [reading, setReading] = useState(false);
  const loaded = Boolean(commentId && feed.comments.some((comment) => comment.id === commentId));
  const { status, hasEarlier, loadEarlier } = feed;
  useEffect(() => {
    if (!commentId || state !== 'searching' || status !== 'ready' || reading) return;
    if (loaded) {
      const element = document.getElementById(commentElementId(commentId));
      element?.scrollIntoView?.({ block: 'center' });
      element?.focus({ preventScroll: true });
      setState('shown');
    } else if (hasEarlier && pagesRead.current < FOCUS_SEARCH_PAGES) {
      pagesRead.current += 1;
      setReading(true);
      loadEarlier().then(
        () => setReading(false),
        () => {
          setReading(false);
          setState('missing');
        },
      );
    } else {
      setState('missing');
    }
  }, [commentId, state, status, reading, loaded, hasEarlier, loadEarlier]);
  return state;
}

/** What makes a comment the target of a link: its element id, focusable, and marked while it is the one linked to. */
const focusTarget = (comment: CommentView, focusedId: string | undefined) => ({
  id: commentElementId(comment.id),
  tabIndex: -1,
  className: comment.id === focusedId ? 'linked-comment' : undefined,
});

function CommentItem({ comment, replies, feed, describeAnchor, focusedId }: {
  comment: CommentView;
  replies: CommentView[];
  feed: CommentFeed;
  describeAnchor(anchor: CommentView['anchor']): string;
  /** The comment a link pointed to, highlighted where it is (this one or a reply). */
  focusedId?: string;
}) {
  const [replying, setReplying] = useState(false);
  return (
    <li className="comment">
      <article aria-label={comment.deleted ? 'Deleted comment' : `Comment by ${comment.authorName ?? 'a clinician'}`}>
        {/* the comment itself, without its replies: what a link to it marks */}
        <div {...focusTarget(comment, focusedId)}>
          {comment.deleted ? null : <CommentHeader comment={comment} />}
          {comment.anchor && !comment.deleted ? <p className="comment-anchor">On {describeAnchor(comment.anchor)}</p> : null}
          <CommentContent comment={comment} feed={feed} />
        </div>
        {replies.length ? (
          <ul className="replies" aria-label="Replies">
            {replies.map((reply) => (
              <li key={reply.id} className="comment reply">
                <div role="group" aria-label={reply.deleted ? 'Deleted reply' : `Reply by ${reply.authorName ?? 'a clinician'}`} {...focusTarget(reply, focusedId)}>
                  {reply.deleted ? null : <CommentHeader comment={reply} />}
                  <CommentContent comment={reply} feed={feed} />
                </div>
              </li>
            ))}
          </ul>
        ) : null}
        {comment.deleted ? null : replying ? (
          <CommentForm
            feed={feed}
            label="Your reply"
            submitLabel="Reply"
            busyLabel="Posting…"
            rows={2}
            send={newComment(feed, { parentId: comment.id })}
            onSent={() => setReplying(false)}
            onCancel={() => setReplying(false)}
          />
        ) : (
          <button type="button" className="link" onClick={() => setReplying(true)}>
            Reply
          </button>
        )}
      </article>
    </li>
  );
}

/** "Show earlier comments": the next page back, with its loading state, errors and what it brought, announced. */
function EarlierComments({ feed }: { feed: CommentFeed }) {
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [pages, setPages] = useState(0);
  if (!feed.hasEarlier && !pages) return null;
  const load = async () => {
    setLoading(true);
    setError(undefined);
    try {
      await feed.loadEarlier();
      setPages((count) => count + 1);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setLoading(false);
    }
  };
  return (
    <div className="earlier-comments">
      {feed.hasEarlier ? (
        <button type="button" onClick={load} disabled={loading}>
          {loading ? 'Loading earlier comments…' : 'Show earlier comments'}
        </button>
      ) : (
        <p className="muted">These are all the comments on this chart.</p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {pages ? `${pages === 1 ? 'A page' : `${pages} pages`} of earlier comments loaded, above.` : ''}
      </p>
      <FieldError>{error}</FieldError>
    </div>
  );
}

const CONNECTION_LABELS: Record<CommentFeed['connection'], string> = { connecting: 'Connecting…', online: 'Live', offline: 'Reconnecting…' };

/** Who else has the chart open, or why that is not known right now. */
function Presence({ feed }: { feed: CommentFeed }) {
  if (feed.connection === 'connecting') return <p>Connecting…</p>;
  if (feed.connection === 'offline') return <p>Reconnecting: new comments and who is viewing show once the connection is back.</p>;
  if (!feed.viewers.length) return <p>No one else has this chart open.</p>;
  return <p>Viewing now: {feed.viewers.map((viewer) => `${viewer.name}${viewer.organizationName ? ` (${viewer.organizationName})` : ''}`).join(', ')}</p>;
}

/**
 * Comments beside the chart, live: threads (one level of replies), comments pinned to a record
 * (start one from the record's "Comment" button), @mentions with autocomplete, who else is viewing
 * the chart and who is typing (announced politely to screen readers).
 */
export function CommentPanel({ feed, anchor, onClearAnchor, describeAnchor = (a) => (a ? a.type.toLowerCase().replace(/_/g, ' ') : ''), focusCommentId }: {
  feed: CommentFeed;
  anchor?: AnchorChoice | null;
  onClearAnchor?(): void;
  describeAnchor?(anchor: CommentView['anchor']): string;
  /** A comment to bring into view and focus once loaded (a link's `?comment=<id>`). */
  focusCommentId?: string;
}) {
  const focus = useFocusedComment(feed, focusCommentId);
  const roots = feed.comments.filter((comment) => !comment.parentId || !feed.comments.some((c) => c.id === comment.parentId));
  const repliesOf = (id: string) => feed.comments.filter((comment) => comment.parentId === id);
  if (feed.status === 'removed') {
    return (
      <aside className="comment-panel card" aria-labelledby="comments-heading">
        <h2 id="comments-heading">Comments</h2>
        <p className="state state-error" role="alert">
          {REMOVED_NOTICE}
        </p>
      </aside>
    );
  }
  return (
    <aside className="comment-panel card" aria-labelledby="comments-heading">
      <div className="card-head">
        <h2 id="comments-heading">Comments</h2>
        <span className={`live-state live-${feed.connection}`}>{CONNECTION_LABELS[feed.connection]}</span>
      </div>
      <div className="presence" aria-live="polite">
        <Presence feed={feed} />
      </div>
      {anchor ? (
        <p className="anchor-choice">
          New comment on <strong>{anchor.label}</strong>{' '}
          <button type="button" className="link" onClick={onClearAnchor}>
            Unpin
          </button>
        </p>
      ) : null}
      <CommentForm
        feed={feed}
        label={anchor ? 'Comment on this record' : 'New comment (use @name to mention)'}
        submitLabel="Post comment"
        busyLabel="Posting…"
        send={newComment(feed, { anchor })}
        onSent={onClearAnchor}
      />
      <p className="typing" aria-live="polite">
        {feed.typing.length ? `${feed.typing.join(', ')} ${feed.typing.length === 1 ? 'is' : 'are'} typing…` : ''}
      </p>
      {feed.status === 'loading' ? <Loading what="comments" /> : null}
      {feed.status === 'error' ? <ErrorState error={feed.error} retry={feed.reload} what="comments" /> : null}
      {feed.status === 'ready' && !roots.length ? <p className="state state-empty">No comments on this chart yet.</p> : null}
      {focus === 'searching' && feed.status === 'ready' ? <p className="state">Finding the comment you followed…</p> : null}
      {focus === 'missing' ? <p className="state state-empty" role="status">The comment you followed is no longer on this chart.</p> : null}
      {feed.status === 'ready' ? <EarlierComments feed={feed} /> : null}
      <ol className="comments" aria-label="Comment threads">
        {roots.map((comment) => (
          <CommentItem key={comment.id} comment={comment} replies={repliesOf(comment.id)} feed={feed} describeAnchor={describeAnchor} focusedId={focusCommentId} />
        ))}
      </ol>
    </aside>
  );
}
