/**
 * @jest-environment jsdom
 */
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { CommentPanel, type AnchorChoice } from './CommentPanel';
import type { CommentFeed, CommentView, NewComment } from './feed';

const at = (minute: number) => `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`;

const existing: CommentView[] = [
  { id: 'c1', body: 'BP trending up, @Dr.Okafor can you review?', createdAt: at(1), authorName: 'Ana Lopez', parentId: null, anchor: null },
  { id: 'c2', body: 'Agreed, will adjust the dose.', createdAt: at(2), authorName: 'Omar Okafor', parentId: 'c1', anchor: null },
  { id: 'c3', body: 'Repeat this one next visit.', createdAt: at(3), authorName: 'Ana Lopez', parentId: null, anchor: { type: 'OBSERVATION', id: 'obs-1' } },
];

/** The panel's data source, in memory: what the GraphQL and socket feeds provide. */
function Harness({ initial = existing, anchor = null, overrides = {}, added = [] as NewComment[], failWith }: {
  initial?: CommentView[];
  anchor?: AnchorChoice | null;
  overrides?: Partial<CommentFeed>;
  added?: NewComment[];
  failWith?: Error;
}) {
  const [comments, setComments] = useState(initial);
  const [pinned, setPinned] = useState(anchor);
  const feed: CommentFeed = {
    status: 'ready',
    comments,
    live: false,
    viewers: [],
    typing: [],
    add: async (comment) => {
      if (failWith) throw failWith;
      added.push(comment);
      setComments((list) => [...list, { id: `n${list.length}`, body: comment.body, createdAt: at(30), authorName: 'Me', parentId: comment.parentId ?? null, anchor: comment.anchor ?? null }]);
    },
    setTyping: () => undefined,
    reload: () => undefined,
    ...overrides,
  };
  return <CommentPanel feed={feed} anchor={pinned} onClearAnchor={() => setPinned(null)} describeAnchor={(a) => (a?.id === 'obs-1' ? 'Blood pressure of Jun 1, 2024' : 'a record')} />;
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

  it('with a live feed, shows who is viewing and who is typing, and reports own typing', () => {
    const setTyping = jest.fn();
    render(
      <Harness
        overrides={{
          live: true,
          viewers: [{ userId: 'u2', name: 'Omar Okafor', organizationName: 'Northfield University Hospital' }],
          typing: ['Omar Okafor'],
          setTyping,
        }}
      />,
    );
    expect(screen.getByText('Viewing now: Omar Okafor (Northfield University Hospital)')).toBeTruthy();
    expect(screen.getByText('Omar Okafor is typing…')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Refresh' })).toBeNull();
    fireEvent.change(screen.getByRole('textbox', { name: /New comment/ }), { target: { value: 'x' } });
    expect(setTyping).toHaveBeenLastCalledWith(true);
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
