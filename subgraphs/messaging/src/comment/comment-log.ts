import type { EntityManager } from '@mikro-orm/postgresql';
import { COMMENT_EVENTS, toLiveComment, type ChartCommentEventPayload, type CommentEventKind } from './comment-events';
import type { ChartAnchorType, ChartComment } from './comment.entity';

/**
 * The chart comment log (messaging.chart_comment_event): every change, in seq order, with the
 * comment as that change left it. Replayed to reconnecting sockets, and announced live.
 *
 * Live announcements go out as a Postgres NOTIFY inside the writing transaction: Postgres
 * delivers notifications at commit, in commit order, to every instance listening (live/chart-feed.ts).
 * With the chart's writes serialized, every instance therefore sees a chart's changes in seq
 * order, and a change is announced if and only if it committed (no window between a commit and
 * a broadcast to lose it in, whichever instance wrote it).
 */
export const CHART_FEED_CHANNEL = 'caregraph_live_chart';
/** NOTIFY payloads stop at 8000 bytes: a larger event is announced by its seq and read from the log. */
const NOTIFY_PAYLOAD_LIMIT = 7900;

/** The announcement of an event too large to travel whole. */
export interface ChartEventReference {
  patientId: string;
  seq: number;
}

export async function announceChartEvent(em: EntityManager, event: ChartCommentEventPayload): Promise<void> {
  const whole = JSON.stringify(event);
  const reference: ChartEventReference = { patientId: event.patientId, seq: event.seq };
  await em.execute('select pg_notify(?, ?)', [CHART_FEED_CHANNEL, Buffer.byteLength(whole) <= NOTIFY_PAYLOAD_LIMIT ? whole : JSON.stringify(reference)]);
}

/** A chart's events after `after` (at most `limit`), or the one at `at`. */
export async function chartCommentEvents(em: EntityManager, patientId: string, range: { after: number; limit: number } | { at: number }): Promise<ChartCommentEventPayload[]> {
  const [filter, params] = 'at' in range ? [`e."seq" = ?`, [range.at, 1]] : [`e."seq" > ?`, [range.after, range.limit]];
  const rows = await em.execute<LogRow[]>(
    `select e."seq", e."kind", c."id", c."patient_id", c."parent_id", c."anchor_type", c."anchor_id", c."author_user_id", c."author_role",
            c."organization_id", c."created_at", c."deleted_at", v."version", v."body", v."mentioned_practitioner_ids", v."written_at"
       from "messaging"."chart_comment_event" e
       join "messaging"."chart_comment" c on c."id" = e."comment_id"
       join "messaging"."chart_comment_version" v on v."comment_id" = e."comment_id" and v."version" = e."version"
      where e."patient_id" = ? and ${filter}
      order by e."seq" limit ?`,
    [patientId, ...params],
  );
  return rows.map((row) => ({ event: COMMENT_EVENTS[row.kind], seq: Number(row.seq), patientId, comment: loggedComment(row) }));
}

interface LogRow {
  seq: string;
  kind: CommentEventKind;
  id: string;
  patient_id: string;
  parent_id: string | null;
  anchor_type: ChartAnchorType | null;
  anchor_id: string | null;
  author_user_id: string | null;
  author_role: ChartComment['authorRole'];
  organization_id: string | null;
  created_at: Date;
  deleted_at: Date | null;
  version: number;
  body: string;
  mentioned_practitioner_ids: string[] | string;
  written_at: Date;
}

/** uuid[] arrives as a JS array or, for types pg does not parse, as its text form. */
const uuidList = (value: string[] | string): string[] => (Array.isArray(value) ? value : value.replace(/^\{|\}$/g, '').split(',').filter(Boolean));

function loggedComment(row: LogRow) {
  return toLiveComment(
    {
      id: row.id, patientId: row.patient_id, parentId: row.parent_id, anchorType: row.anchor_type, anchorId: row.anchor_id, authorUserId: row.author_user_id,
      authorRole: row.author_role, organizationId: row.organization_id, createdAt: new Date(row.created_at), deletedAt: row.deleted_at ? new Date(row.deleted_at) : null,
    },
    { version: row.version, body: row.body, mentionedPractitionerIds: uuidList(row.mentioned_practitioner_ids), writtenAt: new Date(row.written_at) },
  );
}
