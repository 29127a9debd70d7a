/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { CommentPanel, mentionHandle, type AnchorChoice } from './CommentPanel';
import { REMOVED_NOTICE, type CommentFeed, type CommentView, type MentionOption, type NewComment } from './feed';

const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;

const existing: CommentView[] = [
  { id: 'c1', body: 'BP trending up, @Dr.Okafor can you review?', createdAt: at(1), authorName: 'Ana Lopez', parentId: null, anchor: null },
  { id: 'c2', body: 'Agreed, will adjust the dose.', createdAt: at(2), authorName: 'Omar Okafor', parentId: 'c1', anchor: null },
  { id: 'c3', body: 'Repeat this one next visit.', createdAt: at(3), authorName: 'Ana Lopez', parentId: null, anchor: { type: 'OBSERVATION', id: 'obs-1' } },
];

const colleagues: MentionOption[] = [
  { practitionerId: 'p-okafor', name: 'Omar Okafor', organizationName: 'Northfield University Hospital' },
  { practitionerId: 'p-ruiz', name: 'Ana María Ruiz', organizationName: 'Bayview Regional Hospital' },
];

type Edit = { id: string; body: string; mentions?: readonly string[] };

/** The panel's data source, in memory: what the live feed provides (`earlier`: pages of older comments, oldest page first). */
function Harness({ initial = existing, anchor = null, overrides = {}, added = [] as NewComment[], edits = [] as Edit[], failWith, earlier = [], focusCommentId }: {
  focusCommentId?: string;
  initial?: CommentView[];
  anchor?: AnchorChoice | null;
  overrides?: Partial<CommentFeed>;
  added?: NewComment[];
  edits?: Edit[];
  failWith?: Error;
  earlier?: CommentView[][];
}) {
  const [comments, setComments] = useState(initial);
  const [pages, setPages] = useState(earlier);
  const [pinned, setPinned] = useState(anchor);
  const feed: CommentFeed = {
    status: 'ready',
    comments,
    hasEarlier: pages.length > 0,
    loadEarlier: async () => {
      if (failWith) throw failWith;
      const page = pages[pages.length - 1];
      setPages(pages.slice(0, -1));
      setComments((list) => [...page, ...list]);
    },
    edit: async (id, body, mentions) => {
      if (failWith) throw failWith;
      edits.push({ id, body, ...(mentions?.length ? { mentions } : {}) });
      setComments((list) => list.map((c) => (c.id === id ? { ...c, body, editedAt: at(40) } : c)));
    },
    remove: async (id) => {
      if (failWith) throw failWith;
      edits.push({ id, body: '' });
      setComments((list) => list.map((c) => (c.id === id ? { ...c, body: '', deleted: true } : c)));
    },
    connection: 'online',
    viewers: [],
    typing: [],
    add: async (comment) => {
      if (failWith) throw failWith;
      added.push(comment);
      setComments((list) => [...list, { id: `n${list.length}`, body: comment.body, createdAt: at(30), authorName: 'Me', parentId: comment.parentId ?? null, anchor: comment.anchor ?? null }]);
    },
    setTyping: () => undefined,
    findMentions: async (query) => colleagues.filter((c) => query.split(' ').every((word) => c.name.toLowerCase().split(' ').some((part) => part.startsWith(word.toLowerCase())))),
    reload: () => undefined,
    ...overrides,
  };
  return <CommentPanel feed={feed} anchor={pinned} onClearAnchor={() => setPinned(null)} focusCommentId={focusCommentId} describeAnchor={(a) => (a?.id === 'obs-1' ? 'Blood pressure of Jun 1, 2024' : 'a record')} />;
}

const threads = () => within(screen.getByRole('list', { name: 'Comment threads' }));

describe('CommentPanel', () => {
  it('shows threads with their replies, pinned records and highlighted @mentions', () => {
    render(<Harness />);
    const roots = threads().getAllByRole('article');
    expect(roots.map((article) => article.getAttribute('aria-label'))).toEqual(['Comment by Ana Lopez', 'Comment by Ana Lopez']);
    const replies = within(roots[0]).getByRole('list', { name: 'Replies' });
    expect(replies.textContent).toContain('Agreed, will adjust the dose.');
    expect(within(roots[0]).getByText('@Dr.Okafor').tagName).toBe('MARK');
    expect(within(roots[1]).getByText('On Blood pressure of Jun 1, 2024')).toBeTruthy();
  });

  it('brings the comment a link pointed to into focus, a reply too', async () => {
    await act(async () => {
      render(<Harness focusCommentId="c2" />);
    });
    const reply = screen.getByRole('group', { name: 'Reply by Omar Okafor' });
    expect(document.activeElement).toBe(reply);
    expect(reply.className).toBe('linked-comment');
    expect(document.querySelectorAll('.linked-comment')).toHaveLength(1); // only the one linked to, not its thread
  });

  it('reads earlier pages until it finds the comment a link pointed to', async () => {
    const older = (id: string, minute: number): CommentView => ({ id, body: `Older ${id}`, createdAt: at(minute), authorName: 'Ana Lopez', parentId: null, anchor: null });
    await act(async () => {
      render(<Harness earlier={[[older('o1', 0)], [older('o2', 0)], [older('o3', 0)]]} focusCommentId="o2" />);
    });
    const linked = await screen.findByText('Older o2');
    expect(document.activeElement).toBe(linked.closest('.linked-comment'));
    expect(screen.queryByText('Older o1')).toBeNull(); // no page further back than needed
    expect(screen.queryByText('Finding the comment you followed…')).toBeNull();
  });

  it('says so when the comment a link pointed to is no longer on the chart', async () => {
    await act(async () => {
      render(<Harness earlier={[[{ ...existing[0], id: 'o1' }]]} focusCommentId="gone" />);
    });
    expect((await screen.findByRole('status')).textContent).toBe('The comment you followed is no longer on this chart.');
    expect(threads().getAllByRole('article')).toHaveLength(3); // every earlier page read first
  });

  it('posts a comment and shows it', async () => {
    const added: NewComment[] = [];
    render(<Harness initial={[]} added={added} />);
    expect(screen.getByText('No comments on this chart yet.')).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox', { name: /New comment/ }), { target: { value: '  Call the patient about the labs  ' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Post comment' })));
    expect(added).toEqual([{ body: 'Call the patient about the labs', parentId: undefined, anchor: undefined }]);
    expect(threads().getByText('Call the patient about the labs')).toBeTruthy();
    expect((screen.getByRole('textbox', { name: /New comment/ }) as HTMLTextAreaElement).value).toBe('');
  });

  it('pins a new comment to the record it was started from, then unpins', async () => {
    const added: NewComment[] = [];
    render(<Harness initial={[]} added={added} anchor={{ type: 'OBSERVATION', id: 'obs-1', label: 'Blood pressure of Jun 1, 2024' }} />);
    expect(screen.getByText('Blood pressure of Jun 1, 2024', { selector: 'strong' })).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox', { name: 'Comment on this record' }), { target: { value: 'High for her' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Post comment' })));
    expect(added).toEqual([{ body: 'High for her', parentId: undefined, anchor: { type: 'OBSERVATION', id: 'obs-1' } }]);
    expect(threads().getByText('On Blood pressure of Jun 1, 2024')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Unpin' })).toBeNull(); // the next comment is not pinned
  });

  it('replies in the thread', async () => {
    const added: NewComment[] = [];
    render(<Harness added={added} />);
    const first = threads().getAllByRole('article')[0];
    fireEvent.click(within(first).getByRole('button', { name: 'Reply' }));
    fireEvent.change(within(first).getByRole('textbox', { name: 'Your reply' }), { target: { value: 'Done' } });
    await act(async () => fireEvent.click(within(first).getByRole('button', { name: 'Reply' })));
    expect(added).toEqual([{ body: 'Done', parentId: 'c1', anchor: undefined }]);
    expect(within(within(first).getByRole('list', { name: 'Replies' })).getByText('Done')).toBeTruthy();
  });

  it('refuses an empty comment and shows why a post failed, keeping the text', async () => {
    render(<Harness failWith={new Error('Not found, or not available to you.')} />);
    const box = screen.getByRole('textbox', { name: /New comment/ });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Post comment' })));
    expect(screen.getByRole('alert').textContent).toBe('Write something first.');
    fireEvent.change(box, { target: { value: 'Still here?' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Post comment' })));
    expect(screen.getByRole('alert').textContent).toBe('Not found, or not available to you.');
    expect((box as HTMLTextAreaElement).value).toBe('Still here?');
  });

  it('shows who else is viewing, with their organization, and who is typing, both announced politely; reports own typing', () => {
    const setTyping = jest.fn();
    const { rerender } = render(
      <Harness
        overrides={{
          viewers: [{ userId: 'u2', name: 'Omar Okafor', organizationName: 'Northfield University Hospital' }],
          typing: ['Omar Okafor (Northfield University Hospital)'],
          setTyping,
        }}
      />,
    );
    const presence = screen.getByText('Viewing now: Omar Okafor (Northfield University Hospital)');
    expect(presence.closest('[aria-live="polite"]')).not.toBeNull();
    const typing = screen.getByText('Omar Okafor (Northfield University Hospital) is typing…');
    expect(typing.getAttribute('aria-live')).toBe('polite');
    fireEvent.change(screen.getByRole('textbox', { name: /New comment/ }), { target: { value: 'x' } });
    expect(setTyping).toHaveBeenLastCalledWith(true);

    rerender(<Harness overrides={{ viewers: [], typing: ['Omar Okafor', 'Ana Ruiz'] }} />);
    expect(screen.getByText('No one else has this chart open.')).toBeTruthy();
    expect(screen.getByText('Omar Okafor, Ana Ruiz are typing…')).toBeTruthy();
    rerender(<Harness overrides={{ connection: 'offline', viewers: [{ userId: 'u2', name: 'Omar Okafor', organizationName: null }] }} />);
    expect(screen.queryByText(/Viewing now/)).toBeNull();
    expect(screen.getByText(/^Reconnecting: new comments/)).toBeTruthy();
  });

  it('offers colleagues to @mention from the keyboard: arrows move, Enter picks, the mention is sent with the comment', async () => {
    const added: NewComment[] = [];
    const findMentions = jest.fn(async (query: string) => (query === 'o' || query === 'a' ? colleagues : []));
    render(<Harness initial={[]} added={added} overrides={{ findMentions }} />);
    const box = screen.getByRole('textbox', { name: 'New comment (use @name to mention)' }) as HTMLTextAreaElement;
    expect(box.getAttribute('aria-autocomplete')).toBe('list');
    fireEvent.change(box, { target: { value: 'Please review @o' } });
    const list = await screen.findByRole('listbox', { name: 'Colleagues to mention' });
    expect(findMentions).toHaveBeenLastCalledWith('o');
    const options = within(list).getAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual(['Omar Okafor (Northfield University Hospital)', 'Ana María Ruiz (Bayview Regional Hospital)']);
    expect(box.getAttribute('aria-controls')).toBe(list.id);
    expect(box.getAttribute('aria-activedescendant')).toBe(options[0].id);
    expect(options[0].getAttribute('aria-selected')).toBe('true');

    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(box.getAttribute('aria-activedescendant')).toBe(within(list).getAllByRole('option')[1].id);
    fireEvent.keyDown(box, { key: 'ArrowDown' }); // wraps around
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    expect(within(list).getAllByRole('option')[1].getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('Please review @Ana.María.Ruiz ');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(box.hasAttribute('aria-activedescendant')).toBe(false);

    fireEvent.change(box, { target: { value: 'Please review @Ana.María.Ruiz and @o' } });
    await screen.findByRole('listbox');
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('Please review @Ana.María.Ruiz and @Omar.Okafor ');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Post comment' })));
    expect(added).toEqual([{ body: 'Please review @Ana.María.Ruiz and @Omar.Okafor', parentId: undefined, anchor: undefined, mentions: ['p-ruiz', 'p-okafor'] }]);
    const posted = threads().getAllByRole('article')[0];
    expect(within(posted).getAllByText(/^@/).map((mark) => [mark.tagName, mark.textContent])).toEqual([['MARK', '@Ana.María.Ruiz'], ['MARK', '@Omar.Okafor']]);
  });

  it('closes the list with Escape, sends no mention whose name was removed, and says when no one matches', async () => {
    const added: NewComment[] = [];
    render(<Harness initial={[]} added={added} />);
    const box = screen.getByRole('textbox', { name: /New comment/ }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: '@om' } });
    await screen.findByRole('listbox');
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.change(box, { target: { value: '@oma' } }); // the same @: stays closed
    await act(() => new Promise((resolve) => setTimeout(resolve, 300)));
    expect(screen.queryByRole('listbox')).toBeNull();
    fireEvent.keyDown(box, { key: 'Enter' }); // no list: Enter is the textarea's own
    expect(box.value).toBe('@oma');

    fireEvent.change(box, { target: { value: 'ask @om' } });
    await screen.findByRole('listbox');
    fireEvent.keyDown(box, { key: 'Tab' });
    expect(box.value).toBe(`ask ${mentionHandle('Omar Okafor')} `);
    fireEvent.change(box, { target: { value: 'ask him instead, @zz' } });
    expect(await screen.findByText('No colleague named “zz” can see this chart.')).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Post comment' })));
    expect(added).toEqual([{ body: 'ask him instead, @zz', parentId: undefined, anchor: undefined }]);
  });

  it('when access to the chart ends, hides its comments and says why', () => {
    render(<Harness overrides={{ status: 'removed', comments: [] }} />);
    expect(screen.getByRole('alert').textContent).toBe(REMOVED_NOTICE);
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('list', { name: 'Comment threads' })).toBeNull();
  });

  it('shows earlier comments a page at a time, above the newest, until there are no more', async () => {
    const newest: CommentView[] = [{ id: 'c9', body: 'Newest one', createdAt: at(9), authorName: 'Ana Lopez', parentId: null, anchor: null }];
    const pages = [
      [{ id: 'c1', body: 'First ever', createdAt: at(1), authorName: 'Omar Okafor', parentId: null, anchor: null }],
      [
        { id: 'c2', body: 'Second', createdAt: at(2), authorName: 'Omar Okafor', parentId: null, anchor: null },
        { id: 'c3', body: 'Reply to the newest page', createdAt: at(3), authorName: 'Ana Lopez', parentId: 'c2', anchor: null },
      ],
    ];
    render(<Harness initial={newest} earlier={pages} />);
    const texts = () => threads().getAllByRole('article').map((article) => article.querySelector('.comment-body')?.textContent);
    expect(texts()).toEqual(['Newest one']);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show earlier comments' })));
    expect(texts()).toEqual(['Second', 'Newest one']);
    expect(within(threads().getAllByRole('article')[0]).getByRole('list', { name: 'Replies' }).textContent).toContain('Reply to the newest page');
    expect(screen.getByText('A page of earlier comments loaded, above.')).toBeTruthy();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show earlier comments' })));
    expect(texts()).toEqual(['First ever', 'Second', 'Newest one']);
    expect(screen.queryByRole('button', { name: 'Show earlier comments' })).toBeNull();
    expect(screen.getByText('These are all the comments on this chart.')).toBeTruthy();
  });

  it('says why earlier comments could not be loaded, and keeps the button', async () => {
    render(<Harness earlier={[[existing[0]]]} initial={existing.slice(1)} failWith={new Error('Earlier comments could not be loaded: caregraph cannot be reached.')} />);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Show earlier comments' })));
    expect(screen.getByRole('alert').textContent).toBe('Earlier comments could not be loaded: caregraph cannot be reached.');
    expect(screen.getByRole('button', { name: 'Show earlier comments' })).toBeTruthy();
  });

  it('edits the user’s own comment (shown as edited) and offers no edit on others’', async () => {
    const edits: Edit[] = [];
    const mine: CommentView[] = [
      { id: 'm1', body: 'K+ 5.9', createdAt: at(1), authorName: 'Me', parentId: null, anchor: null, mine: true },
      { id: 'o1', body: 'Repeat it', createdAt: at(2), authorName: 'Omar Okafor', parentId: 'm1', anchor: null },
    ];
    render(<Harness initial={mine} edits={edits} />);
    const article = threads().getAllByRole('article')[0];
    // one Edit, one Delete: on the own comment, not on the reply
    expect(within(article).getAllByRole('button', { name: 'Edit' })).toHaveLength(1);
    expect(within(article).getAllByRole('button', { name: 'Delete' })).toHaveLength(1);
    fireEvent.click(within(article).getByRole('button', { name: 'Edit' }));
    const box = within(article).getByRole('textbox', { name: 'Edit your comment' }) as HTMLTextAreaElement;
    expect(box.value).toBe('K+ 5.9');
    expect(document.activeElement).toBe(box);
    fireEvent.change(box, { target: { value: 'K+ 5.9, haemolysed @o' } });
    await screen.findByRole('listbox');
    fireEvent.keyDown(box, { key: 'Enter' });
    await act(async () => fireEvent.click(within(article).getByRole('button', { name: 'Save' })));
    expect(edits).toEqual([{ id: 'm1', body: 'K+ 5.9, haemolysed @Omar.Okafor', mentions: ['p-okafor'] }]);
    expect(within(article).queryByRole('textbox', { name: 'Edit your comment' })).toBeNull();
    expect(within(article).getByText('K+ 5.9, haemolysed', { exact: false })).toBeTruthy();
    expect(within(article).getByText('(edited)')).toBeTruthy();

    // Cancel leaves the text as it was; saving the same text sends nothing
    fireEvent.click(within(article).getByRole('button', { name: 'Edit' }));
    fireEvent.change(within(article).getByRole('textbox', { name: 'Edit your comment' }), { target: { value: 'Something else' } });
    fireEvent.click(within(article).getByRole('button', { name: 'Cancel' }));
    expect(within(article).queryByText('Something else')).toBeNull();
    fireEvent.click(within(article).getByRole('button', { name: 'Edit' }));
    await act(async () => fireEvent.click(within(article).getByRole('button', { name: 'Save' })));
    expect(edits).toHaveLength(1);
  });

  it('shows why an edit failed and keeps the text being edited', async () => {
    render(<Harness initial={[{ ...existing[0], mine: true }]} failWith={new Error('This comment was changed elsewhere (another tab or window) since you opened it.')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const box = screen.getByRole('textbox', { name: 'Edit your comment' }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: 'My better wording' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    expect(screen.getByRole('alert').textContent).toBe('This comment was changed elsewhere (another tab or window) since you opened it.');
    expect((screen.getByRole('textbox', { name: 'Edit your comment' }) as HTMLTextAreaElement).value).toBe('My better wording');
  });

  it('deletes the user’s own comment after asking once more: "Comment deleted" stays in its thread, replies kept', async () => {
    const edits: Edit[] = [];
    render(<Harness initial={[{ ...existing[0], mine: true }, existing[1]]} edits={edits} />);
    const article = threads().getAllByRole('article')[0];
    fireEvent.click(within(article).getByRole('button', { name: 'Delete' }));
    expect(within(article).getByText('Delete this comment?')).toBeTruthy();
    fireEvent.click(within(article).getByRole('button', { name: 'Keep' }));
    expect(edits).toEqual([]);
    fireEvent.click(within(article).getByRole('button', { name: 'Delete' }));
    await act(async () => fireEvent.click(within(article).getByRole('button', { name: 'Delete' })));
    expect(edits).toEqual([{ id: 'c1', body: '' }]);
    const deleted = threads().getByRole('article', { name: 'Deleted comment' });
    expect(within(deleted).getByText('Comment deleted')).toBeTruthy();
    expect(within(deleted).queryByText(/BP trending up/)).toBeNull();
    expect(within(deleted).queryByRole('button')).toBeNull(); // no reply, edit or delete on a deleted comment
    expect(within(deleted).getByRole('list', { name: 'Replies' }).textContent).toContain('Agreed, will adjust the dose.');
  });

  it('shows why a deletion failed, keeping the comment', async () => {
    render(<Harness initial={[{ ...existing[0], mine: true }]} failWith={new Error('This comment is no longer available: it was deleted, or the chart is no longer open to you.')} />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Delete' })));
    expect(screen.getByRole('alert').textContent).toBe('This comment is no longer available: it was deleted, or the chart is no longer open to you.');
    expect(screen.getByText(/BP trending up/)).toBeTruthy();
  });

  it('shows loading and error states, with a retry', () => {
    const reload = jest.fn();
    const { rerender } = render(<Harness overrides={{ status: 'loading', comments: [] }} />);
    expect(screen.getByRole('status').textContent).toContain('Loading comments');
    rerender(<Harness overrides={{ status: 'error', error: new Error('boom'), comments: [], reload }} />);
    fireEvent.click(within(screen.getByRole('alert')).getByRole('button', { name: 'Retry' }));
    expect(reload).toHaveBeenCalled();
  });
});
