/**
 * @jest-environment jsdom
 */
import './jsdom-text-encoder'; // before react-router
import { MockedProvider, type MockedResponse } from '@apollo/client/testing';
import { act, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { InboxNavLink } from './InboxNavLink';
import { INBOX_UNREAD } from './queries';
import { INBOX_POLL_MS, useRefetchWhileVisible } from './refresh';

let visibility: DocumentVisibilityState = 'visible';
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
const setVisibility = (next: DocumentVisibilityState) => {
  visibility = next;
  document.dispatchEvent(new Event('visibilitychange'));
};

const unread = (messages: number, notifications: number): MockedResponse => ({
  request: { query: INBOX_UNREAD },
  result: {
    data: {
      messageThreads: { __typename: 'MessageThreadConnection', unreadCount: messages },
      myNotifications: { __typename: 'NotificationConnection', unreadCount: notifications },
    },
  },
});

function Poller({ refetch, everyMs }: { refetch: () => void; everyMs: number }) {
  useRefetchWhileVisible(refetch, everyMs);
  return null;
}

describe('the inbox entry of the navigation', () => {
  afterEach(() => {
    jest.useRealTimers();
    visibility = 'visible';
  });

  it('is named with the unread messages and notifications together, and just "Inbox" when all is read', async () => {
    const view = render(
      <MockedProvider mocks={[unread(2, 1)]}>
        <MemoryRouter>
          <InboxNavLink to="/inbox" label="Inbox" />
        </MemoryRouter>
      </MockedProvider>,
    );
    expect(screen.getByRole('link', { name: 'Inbox' })).toBeTruthy(); // nothing known yet: no badge
    const link = await screen.findByRole('link', { name: 'Inbox, 3 unread' });
    expect(link.getAttribute('href')).toBe('/inbox');
    expect(screen.getByTestId('inbox-unread').textContent).toBe('3');
    view.unmount();

    render(
      <MockedProvider mocks={[unread(0, 0)]}>
        <MemoryRouter>
          <InboxNavLink to="/inbox" label="Inbox" />
        </MemoryRouter>
      </MockedProvider>,
    );
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(screen.getByRole('link', { name: 'Inbox' })).toBeTruthy();
    expect(screen.queryByTestId('inbox-unread')).toBeNull();
  });

  it('asks again on each poll while the tab is visible, not while it is hidden, and at once when the tab comes back', () => {
    jest.useFakeTimers();
    const refetch = jest.fn();
    const view = render(<Poller refetch={refetch} everyMs={INBOX_POLL_MS} />);
    jest.advanceTimersByTime(INBOX_POLL_MS - 1);
    expect(refetch).toHaveBeenCalledTimes(0);
    jest.advanceTimersByTime(1);
    expect(refetch).toHaveBeenCalledTimes(1);

    act(() => setVisibility('hidden'));
    jest.advanceTimersByTime(3 * INBOX_POLL_MS);
    expect(refetch).toHaveBeenCalledTimes(1); // a hidden tab asks nothing

    act(() => setVisibility('visible'));
    window.dispatchEvent(new Event('focus')); // both fire when the user comes back: one request
    expect(refetch).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(5_000);
    window.dispatchEvent(new Event('focus'));
    expect(refetch).toHaveBeenCalledTimes(3);

    view.unmount();
    jest.advanceTimersByTime(3 * INBOX_POLL_MS);
    window.dispatchEvent(new Event('focus'));
    expect(refetch).toHaveBeenCalledTimes(3); // stopped with the page
  });
});
