import { useApolloClient, type ApolloClient } from '@apollo/client';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { io } from 'socket.io-client';
import { useAuth } from '../auth/AuthProvider';
import { ORGANIZATION_NAME, useMe } from '../auth/me';
import type { Session } from '../auth/session';
import { CHART_COMMENTS, FIRST_LOAD, MENTION_CANDIDATES, MENTION_PAGE, toLiveComment, toMentionOptions } from './comment-queries';
import type { CommentFeed, MentionOption } from './feed';
import { LiveComments, type LiveComment, type LiveCommentsView } from './live-comments';

/** A v4 UUID for clientMessageId, also where crypto.randomUUID is missing (pages not served over https or localhost). */
function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function loadComments(client: ApolloClient<unknown>, patientId: string): Promise<LiveComment[]> {
  const { data } = await client.query({ query: CHART_COMMENTS, variables: { patientId, first: FIRST_LOAD }, fetchPolicy: 'network-only' });
  const connection = data.patient?.chartComments;
  if (!connection) throw new Error('Not found, or not available to you.');
  return connection.edges.map(({ node }) => toLiveComment(node));
}

async function findMentions(client: ApolloClient<unknown>, patientId: string, name: string): Promise<MentionOption[]> {
  const { data } = await client.query({ query: MENTION_CANDIDATES, variables: { patientId, name, first: MENTION_PAGE }, fetchPolicy: 'network-only' });
  return toMentionOptions(data);
}

function liveComments(session: Session, client: ApolloClient<unknown>, patientId: string, me: { userId: string; displayName: string | null }): LiveComments {
  return new LiveComments({
    patientId,
    me,
    // the page's own origin (the gateway, or Vite's dev proxy); its own manager, so the token in the query is this feed's
    openSocket: () => io({ path: '/socket.io', autoConnect: false, reconnection: false, forceNew: true, transports: ['websocket', 'polling'], tryAllTransports: true }),
    token: () => session.token(),
    refreshToken: () => session.refresh(),
    loadComments: () => loadComments(client, patientId),
    organizationName: async (id) =>
      (await client.query({ query: ORGANIZATION_NAME, variables: { id }, fetchPolicy: 'cache-first' })).data.organization?.name ?? null,
    newId: uuid,
  });
}

const CONNECTING: LiveCommentsView = { status: 'loading', comments: [], connection: 'connecting', viewers: [], typing: [] };
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
      add: live ? live.add : () => Promise.reject(new Error('Comments are still connecting: try again in a moment.')),
      setTyping: live ? live.setTyping : () => undefined,
      reload: live ? live.reload : () => undefined,
      findMentions: (query: string) => findMentions(client, patientId, query),
    }),
    [live, client, patientId],
  );
  return { ...view, ...actions };
}
