import type { ChartAnchorType } from '../gql/graphql';

/**
 * The comment panel's data source. The GraphQL feed (graphql-feed.ts) loads and adds comments over
 * /graphql; the live Socket.IO feed (issue 6) implements the same interface and adds presence and
 * typing, so the panel does not change when it lands.
 */
export interface CommentAnchor {
  type: ChartAnchorType;
  id: string;
}

export interface CommentView {
  id: string;
  body: string;
  createdAt: string;
  authorName: string | null;
  parentId: string | null;
  anchor: CommentAnchor | null;
}

export interface Viewer {
  userId: string;
  name: string;
  organizationName: string | null;
}

export interface NewComment {
  body: string;
  parentId?: string;
  anchor?: CommentAnchor;
}

export interface CommentFeed {
  status: 'loading' | 'ready' | 'error';
  error?: Error;
  comments: readonly CommentView[];
  /** True when comments, presence and typing arrive as they happen. */
  live: boolean;
  /** Others who have this chart open now (live feeds only). */
  viewers: readonly Viewer[];
  /** Names of others typing a comment now (live feeds only). */
  typing: readonly string[];
  /** Resolves once stored; rejects with the reason (an Error whose message can be shown). */
  add(comment: NewComment): Promise<void>;
  setTyping(typing: boolean): void;
  reload(): void;
}
