import type { ChartAnchorType } from '../gql/graphql';

/**
 * The comment panel's data source. The chart page gives it the live feed (live-feed.ts: comments,
 * presence and typing over Socket.IO, the first load and the @mention directory over GraphQL);
 * component tests give it one in memory.
 */
/** What the panel says once the caller may no longer read the chart (its comments are gone from the screen). */
export const REMOVED_NOTICE = 'You can no longer see this chart: the patient’s consent or your emergency access has ended. Its comments are hidden.';

export interface CommentAnchor {
  type: ChartAnchorType;
  id: string;
  /** The record in words ("Blood pressure of Sep 19, 2024"), when it came with the comment (GraphQL loads, not socket events). */
  label?: string | null;
}

export interface CommentView {
  id: string;
  body: string;
  createdAt: string;
  /** When the text was last changed (null if never). */
  editedAt?: string | null;
  authorName: string | null;
  parentId: string | null;
  anchor: CommentAnchor | null;
  /** Written by the signed-in user: they may edit and delete it. */
  mine?: boolean;
  /** Deleted (by its author): shown as "Comment deleted" in its thread, `body` empty. */
  deleted?: boolean;
}

export interface Viewer {
  userId: string;
  name: string;
  organizationName: string | null;
}

/** A colleague the comment may @mention (mentions name practitioners). */
export interface MentionOption {
  practitionerId: string;
  name: string;
  organizationName: string | null;
}

export interface NewComment {
  body: string;
  parentId?: string;
  anchor?: CommentAnchor;
  /** Practitioner ids of the colleagues @mentioned; they are notified. */
  mentions?: string[];
}

export interface CommentFeed {
  /** `removed`: the caller may no longer read this chart (consent revoked, break-glass over): nothing is shown. */
  status: 'loading' | 'ready' | 'error' | 'removed';
  error?: Error;
  /** Oldest first: the newest page at first, earlier pages as loadEarlier() brings them. */
  comments: readonly CommentView[];
  /** Whether comments older than the earliest shown exist (loadEarlier() brings the next page). */
  hasEarlier: boolean;
  /** Whether comments, presence and typing are arriving as they happen right now. */
  connection: 'connecting' | 'online' | 'offline';
  /** Others who have this chart open now. */
  viewers: readonly Viewer[];
  /** Names of others typing a comment now. */
  typing: readonly string[];
  /** Resolves once stored; rejects with the reason (an Error whose message can be shown). */
  add(comment: NewComment): Promise<void>;
  /** Changes the text of one of the user's own comments; `addedMentions`: practitioners newly @mentioned. Rejects like add. */
  edit(id: string, body: string, addedMentions?: readonly string[]): Promise<void>;
  /** Deletes one of the user's own comments. Rejects like add. */
  remove(id: string): Promise<void>;
  /** Loads the page of comments before the earliest shown; rejects with words to show. */
  loadEarlier(): Promise<void>;
  setTyping(typing: boolean): void;
  /** Colleagues to @mention whose name matches `query` (each word a prefix of a word of the name). */
  findMentions(query: string): Promise<readonly MentionOption[]>;
  reload(): void;
}
