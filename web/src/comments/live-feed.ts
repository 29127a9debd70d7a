import { useApolloClient, type ApolloClient } from '@apollo/client';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useAuth } from '../auth/AuthProvider';
import { ORGANIZATION_NAME, useMe } from '../auth/me';
import type { Session } from '../auth/session';
import { newClientMessageId } from '../inbox/people';
import { openPageSocket } from '../live/page-socket';
import { CHART_COMMENTS, FIRST_LOAD, MENTION_CANDIDATES, MENTION_PAGE, toCommentPage, toMentionOptions } from './comment-queries';
import type { CommentFeed, MentionOption } from './feed';
import { LiveComments, type CommentPage, type LiveCommentsView } from './live-comments';

async function loadComments(client: ApolloClient<unknown>, patientId: string, after?: string): Promise<CommentPage> {
  const { data } = await client.query({ query: CHART_COMMENTS, variables: { patientId, first: FIRST_LOAD, after }, fetchPolicy: 'network-only' });
  const page = toCommentPage(data);
  if (!page) throw new Error('Not found, or not available to you.');
  return page;
}

async function findMentions(client: ApolloClient<unknown>, patientId: string, name: string): Promise<MentionOption[]> {
  const { data } = await client.query({ query: MENTION_CANDIDATES, variables: { patientId, name, first: MENTION_PAGE }, fetchPolicy: 'network-only' });
  return toMentionOptions(data);
}

function liveComments(session: Session, client: ApolloClient<unknown>, patientId: string, me: { userId: string; displayName: string | null }): LiveComments {
  return new LiveComments({
    patientId,
    me,
    openSocket: openPageSocket,
    token: () => session.token(),
    refreshToken: () => session.refresh(),
    loadComments: (after) => loadComments(client, patientId, after),
    organizationName: async (id) =>
      (await client.query({ query: ORGANIZATION_NAME, variables: { id }, fetchPolicy: 'cache-first' })).data.organization?.name ?? null,
    newId: newClientMessageId,
  });
}

const CONNECTING: LiveCommentsView = { status: 'loading', comments: [], hasEarlier: false, connection: 'connecting', viewers: [], typing: [] };
const STILL_CONNECTING = () => Promise.reject(new Error('Comments are still connecting: try again in a moment.'));
const NOTHING = () => () => undefined;

/**
 * The chart's comments, live (live-comments.ts): loaded over GraphQL, then joined over Socket.IO
 * with the session's access token for new comments, edits, deletions, presence and typing.
 * Leaving the chart closes the socket.
 */
export function useLiveCommentFeed(patientId: string): CommentFeed {
  const { session } = useAuth();
  const client = useApolloClient();
  const me = useMe();
  const [live, setLive] = useState<LiveComments>();
  useEffect(() => {
    const feed = liveComments(session, client, patientId, { userId: me.id, displayName: me.displayName ?? null });
    setLive(feed);
    feed.start();
    return () => feed.close();
  }, [session, client, patientId, me.id, me.displayName]);
  const view = useSyncExternalStore(live?.subscribe ?? NOTHING, live?.getView ?? (() => CONNECTING));
  const actions = useMemo(
    () => ({
      add: live ? live.add : STILL_CONNECTING,
      edit: live ? live.edit : STILL_CONNECTING,
      remove: live ? live.remove : STILL_CONNECTING,
      loadEarlier: live ? live.loadEarlier : STILL_CONNECTING,
      setTyping: live ? live.setTyping : () => undefined,
      reload: live ? live.reload : () => undefined,
      findMentions: (query: string) => findMentions(client, patientId, query),
    }),
    [live, client, patientId],
  );
  return { ...view, ...actions };
}
