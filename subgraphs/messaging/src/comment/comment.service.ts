import {
  CLINICIAN_ROLES, badInput, conflict, findByIds, findPage, forbidden, notFound, orderByIds, publishEvents, requireStaff, toConnection,
  type Connection, type PageArgs, type RequestContext, type StaffPrincipal,
} from '@caregraph/platform';
import { UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import {
  COMMENT_EVENTS, MENTION_TOPIC, toLiveComment, type ChartCommentEventPayload, type ChartCommentMentionPayload, type CommentEventKind,
} from './comment-events';
import { announceChartEvent, chartCommentEvents } from './comment-log';
import { ChartComment, ChartCommentVersion, type ChartAnchorType } from './comment.entity';
import type { AddChartCommentInput, DeleteChartCommentInput, EditChartCommentInput, PatientChartCommentsArgs } from './comment.inputs';

/** Advisory lock class of chart comment writes (key: the patient): one writer per chart at a time. */
const CHART_LOCK_CLASS = 61100;
/** Most events one replay returns; a client with more to catch up asks again from the last one. */
export const REPLAY_LIMIT = 500;

/** What a write did: the comment as stored, the event it broadcast, or `duplicate` for a retry. */
export interface CommentWrite {
  comment: ChartComment;
  /** The change's event (for a retry: the one stored then). */
  event: ChartCommentEventPayload;
  /** A retry of an earlier write with the same clientMessageId: nothing changed, nothing broadcast. */
  duplicate: boolean;
}

export interface Replay {
  events: ChartCommentEventPayload[];
  /** False when more events follow than one replay returns: ask again after the last seq. */
  complete: boolean;
}

const unique = (ids: readonly string[] | null | undefined): string[] => [...new Set((ids ?? []).map((id) => id.toLowerCase()))];

/**
 * Comments on patients' charts: threads, anchors, mentions, versioned edits and soft deletes by
 * their authors (clinicians who may see the chart). Every change is logged as an event with a
 * seq and announced to the chart's sockets when it commits, whether it came from GraphQL or a
 * socket. Deleted comments are invisible to every read.
 */
export class ChartCommentService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Comments by id, in id order: null where unknown, deleted, or where the caller may not see the
   * patient's clinical record (comments are clinical discussion).
   */
  async visibleByIds(ids: readonly string[]): Promise<(ChartComment | null)[]> {
    const rows = orderByIds(ids, await findByIds(this.ctx.em, ChartComment, ids, { deletedAt: null }));
    return this.ctx.access.visible(rows, 'clinical', 'ChartComment', (comment) => comment.patientId);
  }

  /**
   * Deleted comments by id, in id order (null where unknown, not deleted, or not visible): what a
   * reply shows of the comment it answered once that one is gone. Its text stays hidden.
   */
  async deletedByIds(ids: readonly string[]): Promise<(ChartComment | null)[]> {
    const rows = orderByIds(ids, await findByIds(this.ctx.em, ChartComment, ids, { deletedAt: { $ne: null } }));
    return this.ctx.access.visible(rows, 'clinical', 'ChartComment', (comment) => comment.patientId);
  }

  /**
   * A patient's comments, newest first; optionally those pinned to one kind of record or one
   * record, one thread's replies, or only thread starters. Null when the caller may not see the
   * patient's clinical record.
   */
  async listForPatient(patientId: string, args: PatientChartCommentsArgs, includeCount: boolean): Promise<Connection<ChartComment> | null> {
    if (args.anchorId && !args.anchorType) throw badInput('anchorType', 'anchorType is required with anchorId');
    if (args.parentId && args.topLevel) throw badInput('topLevel', 'topLevel and parentId exclude each other');
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'clinical', 'ChartComment'))) return null;
    const where: FilterQuery<ChartComment> = { patientId: patientId.toLowerCase(), deletedAt: null };
    if (args.anchorType) where.anchorType = args.anchorType;
    if (args.anchorId) where.anchorId = args.anchorId.toLowerCase();
    if (args.parentId) where.parentId = args.parentId.toLowerCase();
    if (args.topLevel) where.parentId = null;
    return this.page(where, args, includeCount, 'desc');
  }

  /**
   * Comments pinned to one record (reached from the record through federation), newest first:
   * only those on charts the caller may see (every comment on a record should be its patient's).
   */
  async listForAnchor(anchorType: ChartAnchorType, anchorId: string, args: PageArgs, includeCount: boolean): Promise<Connection<ChartComment>> {
    if (!isUuid(anchorId)) return this.page({ id: null }, args, includeCount, 'desc');
    const anchor = { anchorType, anchorId: anchorId.toLowerCase(), deletedAt: null };
    const patients = await this.ctx.em.execute<{ patient_id: string }[]>(
      `select distinct "patient_id" from "messaging"."chart_comment" where "anchor_type" = ? and "anchor_id" = ? and "deleted_at" is null`,
      [anchor.anchorType, anchor.anchorId],
    );
    const decisions = await Promise.all(patients.map((row) => this.ctx.access.check(row.patient_id, 'clinical', 'ChartComment')));
    const allowed = patients.filter((_row, index) => decisions[index]).map((row) => row.patient_id);
    return this.page({ ...anchor, patientId: { $in: allowed } }, args, includeCount, 'desc');
  }

  /** A visible comment's replies, oldest first (the order of a conversation). */
  replies(comment: ChartComment, args: PageArgs, includeCount: boolean): Promise<Connection<ChartComment>> {
    return this.page({ patientId: comment.patientId, parentId: comment.id, deletedAt: null }, args, includeCount, 'asc');
  }

  /** Every version of each comment, oldest first (callers pass comments they may see). */
  async versionsOf(commentIds: readonly string[]): Promise<ChartCommentVersion[][]> {
    const rows = await this.ctx.em.find(ChartCommentVersion, { commentId: { $in: [...commentIds] } }, { orderBy: { commentId: 'asc', version: 'asc' } });
    return commentIds.map((id) => rows.filter((row) => row.commentId === id));
  }

  private async page(where: FilterQuery<ChartComment>, args: PageArgs, includeCount: boolean, order: 'asc' | 'desc'): Promise<Connection<ChartComment>> {
    const page = await findPage<ChartComment>(this.ctx.em, ChartComment, where, {
      first: args.first,
      after: args.after,
      // chart order is seq order; indexes (patient_id, created_at desc, id), (anchor_type, anchor_id, ...), (parent_id, seq)
      orderBy: order === 'desc' ? { createdAt: 'desc', id: 'asc' } : { seq: 'asc' },
      includeCount,
    });
    const counts = new Map<string, number>();
    for (const comment of page.items as ChartComment[]) counts.set(comment.patientId, (counts.get(comment.patientId) ?? 0) + 1);
    for (const [patientId, count] of counts) this.ctx.access.noteRead(patientId, 'clinical', 'ChartComment', count);
    return toConnection(page);
  }

  /** A clinician comments on a chart they may see (including under break-glass, flagged in the audit log). */
  async add(input: AddChartCommentInput): Promise<CommentWrite> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'comment on charts');
    const patientId = input.patientId.toLowerCase();
    await this.ctx.access.requireWrite(patientId, 'clinical', 'ChartComment', 'patientId', () => true);
    if (input.parentId) {
      // only on this chart: a comment elsewhere answers like a missing one (it may be on a chart the caller cannot see)
      const [parent] = await findByIds(this.ctx.em, ChartComment, [input.parentId], { deletedAt: null, patientId });
      if (!parent) throw notFound('ChartComment', 'parentId');
    }
    const mentions = unique(input.mentions);
    return this.write(clinician, patientId, input.clientMessageId, { kind: 'created', patientId }, async (em, seq) => {
      const comment = em.create(ChartComment, {
        seq,
        patientId,
        body: input.body.trim(),
        parentId: input.parentId?.toLowerCase() ?? null,
        anchorType: input.anchor?.type ?? null,
        anchorId: input.anchor?.id.toLowerCase() ?? null,
        authorUserId: clinician.userId,
        authorRole: clinician.role,
        organizationId: clinician.organizationId,
        mentionedPractitionerIds: mentions,
      });
      return { comment, mentioned: mentions };
    });
  }

  /** The author edits their comment; the earlier text stays as a version. */
  async edit(input: EditChartCommentInput): Promise<CommentWrite> {
    const { clinician, comment } = await this.authoredComment(input.id);
    return this.write(clinician, comment.patientId, input.clientMessageId, { kind: 'edited', commentId: comment.id }, async (em) => {
      const current = await this.currentVersion(em, comment.id, input.expectedVersion);
      const before = new Set(current.mentionedPractitionerIds);
      const mentions = input.mentions ? unique(input.mentions) : current.mentionedPractitionerIds;
      current.version += 1;
      current.body = input.body.trim();
      current.mentionedPractitionerIds = mentions;
      current.editedAt = new Date();
      return { comment: current, mentioned: mentions.filter((id) => !before.has(id)) };
    });
  }

  /** The author deletes their comment: hidden from every read, kept (with its versions) for the record. */
  async remove(input: DeleteChartCommentInput): Promise<CommentWrite> {
    const { clinician, comment } = await this.authoredComment(input.id);
    return this.write(clinician, comment.patientId, input.clientMessageId, { kind: 'deleted', commentId: comment.id }, async (em) => {
      const current = await this.currentVersion(em, comment.id, input.expectedVersion ?? undefined);
      current.deletedAt = new Date();
      current.deletedByUserId = clinician.userId;
      return { comment: current, mentioned: [] };
    });
  }

  /** A comment the caller may see and wrote (NOT_FOUND when hidden or gone, FORBIDDEN when another's). */
  private async authoredComment(id: string): Promise<{ clinician: StaffPrincipal; comment: ChartComment }> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'change chart comments');
    const [comment] = await this.visibleByIds([id]);
    if (!comment) throw notFound('ChartComment', 'id');
    await this.ctx.access.requireWrite(comment.patientId, 'clinical', 'ChartComment', 'id', () => true);
    if (comment.authorUserId !== clinician.userId) throw forbidden('Only its author may change a comment', 'id');
    return { clinician, comment };
  }

  /** The comment, reloaded inside the write; CONFLICT when `expectedVersion` is not the current one. */
  private async currentVersion(em: EntityManager, id: string, expectedVersion: number | undefined): Promise<ChartComment> {
    const current = await em.findOne(ChartComment, { id, deletedAt: null }, { refresh: true });
    if (!current) throw notFound('ChartComment', 'id');
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw conflict(`The comment changed since version ${expectedVersion}: it is at version ${current.version}`, { field: 'expectedVersion', currentVersion: current.version });
    }
    return current;
  }

  /**
   * One audited transaction per change, holding the chart's lock (so the chart's changes commit
   * in seq order): a retry with a clientMessageId already used by the caller returns the stored
   * change instead; the change's version row, event, mention event and live announcement commit
   * with it (the announcement reaches every instance at commit, in commit order: comment-log.ts).
   */
  private async write(
    author: StaffPrincipal,
    patientId: string,
    clientMessageId: string | null | undefined,
    expected: { kind: CommentEventKind; patientId?: string; commentId?: string },
    change: (em: EntityManager, seq: number) => Promise<{ comment: ChartComment; mentioned: string[] }>,
  ): Promise<CommentWrite> {
    const em = this.ctx.em;
    await em.begin();
    try {
      await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [CHART_LOCK_CLASS, patientId]);
      const earlier = clientMessageId ? await this.storedWrite(em, author.userId, clientMessageId, expected) : null;
      if (earlier) {
        await em.rollback();
        return earlier;
      }
      const [{ seq }] = await em.execute<{ seq: string }[]>(`select nextval('messaging.chart_comment_seq') as seq`);
      const { comment, mentioned } = await change(em, Number(seq));
      await em.flush();
      // a deletion keeps the current version; a creation or an edit writes one (after the comment: it references it)
      if (expected.kind !== 'deleted') em.create(ChartCommentVersion, { ...versionOf(comment), commentId: comment.id, writtenByUserId: author.userId });
      await em.flush();
      await em.execute(
        `insert into "messaging"."chart_comment_event" ("seq", "patient_id", "comment_id", "kind", "version", "actor_user_id", "client_message_id") values (?, ?, ?, ?, ?, ?, ?)`,
        [seq, patientId, comment.id, expected.kind, comment.version, author.userId, clientMessageId ?? null],
      );
      if (mentioned.length) await publishEvents(em, [mentionEvent(comment, mentioned, author)]);
      const event = eventOf(expected.kind, Number(seq), comment, versionOf(comment));
      await announceChartEvent(em, event);
      await this.ctx.access.recordWrite(em, patientId, 'clinical', 'ChartComment', { operation: OPERATIONS[expected.kind], commentId: comment.id, version: comment.version });
      await em.commit();
      return { comment, event, duplicate: false };
    } catch (error) {
      await em.rollback();
      // the same clientMessageId used for another chart at the same moment
      if (error instanceof UniqueConstraintViolationException && clientMessageId) throw clientMessageIdTaken();
      throw error;
    }
  }

  /** The change stored under (caller, clientMessageId), when it is this same request; CONFLICT when another. */
  private async storedWrite(em: EntityManager, userId: string, clientMessageId: string, expected: { kind: CommentEventKind; patientId?: string; commentId?: string }): Promise<CommentWrite | null> {
    const [stored] = await em.execute<{ seq: string; kind: CommentEventKind; comment_id: string; patient_id: string; version: number }[]>(
      `select "seq", "kind", "comment_id", "patient_id", "version" from "messaging"."chart_comment_event" where "actor_user_id" = ? and "client_message_id" = ?`,
      [userId, clientMessageId],
    );
    if (!stored) return null;
    const same = stored.kind === expected.kind && (!expected.patientId || stored.patient_id === expected.patientId) && (!expected.commentId || stored.comment_id === expected.commentId);
    if (!same) throw clientMessageIdTaken();
    const comment = await em.findOneOrFail(ChartComment, { id: stored.comment_id }, { refresh: true });
    const version = await em.findOneOrFail(ChartCommentVersion, { commentId: stored.comment_id, version: stored.version });
    return { comment, event: eventOf(stored.kind, Number(stored.seq), comment, version), duplicate: true };
  }

  /**
   * The chart's changes after the client's last one (`lastSeq`, or the creation of
   * `lastCommentId`), in order, at most `limit`: each comment as that change left it.
   */
  async replay(patientId: string, after: { lastCommentId?: string | null; lastSeq?: number | null }, limit = REPLAY_LIMIT): Promise<Replay> {
    let from = after.lastSeq ?? 0;
    if (after.lastCommentId) {
      const [last] = await findByIds(this.ctx.em, ChartComment, [after.lastCommentId], { patientId });
      if (!last) throw notFound('ChartComment', 'lastCommentId');
      from = last.seq;
    }
    const log = await chartCommentEvents(this.ctx.em, patientId, { after: from, limit: limit + 1 });
    const events = log.slice(0, limit);
    const comments = new Set(events.map((event) => event.comment.id)).size;
    if (comments) this.ctx.access.noteRead(patientId, 'clinical', 'ChartComment', comments);
    return { events, complete: log.length <= limit };
  }
}

const OPERATIONS: Record<CommentEventKind, string> = { created: 'create', edited: 'update', deleted: 'delete' };

const clientMessageIdTaken = () => conflict('This clientMessageId was used for another change; send a new change with a new id', { field: 'clientMessageId' });

function eventOf(kind: CommentEventKind, seq: number, comment: ChartComment, version: Pick<ChartCommentVersion, 'version' | 'body' | 'mentionedPractitionerIds' | 'writtenAt'>): ChartCommentEventPayload {
  return { event: COMMENT_EVENTS[kind], seq, patientId: comment.patientId, comment: toLiveComment(comment, version) };
}

function versionOf(comment: ChartComment): Pick<ChartCommentVersion, 'version' | 'body' | 'mentionedPractitionerIds' | 'writtenAt'> {
  return { version: comment.version, body: comment.body, mentionedPractitionerIds: [...comment.mentionedPractitionerIds], writtenAt: comment.editedAt ?? comment.createdAt };
}

function mentionEvent(comment: ChartComment, practitionerIds: string[], author: StaffPrincipal) {
  const payload: ChartCommentMentionPayload = {
    commentId: comment.id,
    patientId: comment.patientId,
    version: comment.version,
    practitionerIds,
    author: { userId: author.userId, role: author.role, organizationId: author.organizationId },
    occurredAt: new Date().toISOString(),
  };
  return { topic: MENTION_TOPIC, key: comment.patientId, payload, producer: 'messaging' };
}
