import type { Role } from '@caregraph/platform';
import { ChartAnchorType, type ChartComment, type ChartCommentVersion } from './comment.entity';

/**
 * `messaging.chart-comment-mention`: a comment version @mentions practitioners it did not mention
 * before (a new comment: all of them). Published in the comment's transaction; the notifications
 * consumer tells the mentioned practitioners' accounts. Key: the patient id. No text: the
 * comment is read through the graph under the access policy.
 */
export const MENTION_TOPIC = 'messaging.chart-comment-mention';

export interface ChartCommentMentionPayload {
  commentId: string;
  patientId: string;
  /** The version that added the mentions (1: a new comment). */
  version: number;
  /** Practitioner ids newly mentioned by that version. */
  practitionerIds: string[];
  author: { userId: string; role: Role; organizationId: string };
  occurredAt: string;
}

/** Server → client events of the comment stream, and what each change is called in the log. */
export const COMMENT_EVENTS = { created: 'comment:created', edited: 'comment:edited', deleted: 'comment:deleted' } as const;
export type CommentEventKind = keyof typeof COMMENT_EVENTS;
export type CommentEventName = (typeof COMMENT_EVENTS)[CommentEventKind];

/** A comment as sockets see it: GraphQL's field names, the anchor type as its GraphQL enum name. */
export interface LiveComment {
  id: string;
  patientId: string;
  parentId: string | null;
  anchor: { type: keyof typeof ChartAnchorType; id: string } | null;
  /** null once deleted. */
  body: string | null;
  mentions: string[];
  version: number;
  author: { userId: string; role: Role | null; organizationId: string | null } | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
}

/** One change of a chart's comments, live or replayed: the same object either way. */
export interface ChartCommentEventPayload {
  event: CommentEventName;
  /** Orders every change of the chart; a reconnecting client passes the last one it applied as lastSeq. */
  seq: number;
  patientId: string;
  comment: LiveComment;
}

const ANCHOR_KEYS = new Map(Object.entries(ChartAnchorType).map(([key, value]) => [value, key as keyof typeof ChartAnchorType]));

type CommentState = Pick<ChartComment, 'id' | 'patientId' | 'parentId' | 'anchorType' | 'anchorId' | 'authorUserId' | 'authorRole' | 'organizationId' | 'createdAt' | 'deletedAt'>;
type VersionState = Pick<ChartCommentVersion, 'version' | 'body' | 'mentionedPractitionerIds' | 'writtenAt'>;

/** The comment at `version` (the current one by default); a deleted comment's text is not sent. */
export function toLiveComment(comment: CommentState, version: VersionState): LiveComment {
  const deletedAt = comment.deletedAt ? comment.deletedAt.toISOString() : null;
  return {
    id: comment.id,
    patientId: comment.patientId,
    parentId: comment.parentId ?? null,
    anchor: comment.anchorType && comment.anchorId ? { type: ANCHOR_KEYS.get(comment.anchorType)!, id: comment.anchorId } : null,
    body: deletedAt ? null : version.body,
    mentions: deletedAt ? [] : version.mentionedPractitionerIds,
    version: version.version,
    author: comment.authorUserId ? { userId: comment.authorUserId, role: comment.authorRole ?? null, organizationId: comment.organizationId ?? null } : null,
    createdAt: comment.createdAt.toISOString(),
    editedAt: version.version > 1 ? version.writtenAt.toISOString() : null,
    deletedAt,
  };
}

/** A socket's anchor type (GraphQL enum name, e.g. OBSERVATION) as stored (Observation); unknown names pass unchanged to fail validation. */
export function anchorTypeFromName(name: unknown): unknown {
  return typeof name === 'string' && name in ChartAnchorType ? ChartAnchorType[name as keyof typeof ChartAnchorType] : name;
}
