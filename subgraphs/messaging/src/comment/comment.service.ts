import { CLINICIAN_ROLES, badInput, findByIds, findPage, notFound, orderByIds, requireStaff, toConnection, type Connection, type RequestContext } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { ChartComment } from './comment.entity';
import type { AddChartCommentInput, PatientChartCommentsArgs } from './comment.inputs';

/** Comments on patients' charts. Deleted comments are invisible to every read. */
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
   * A patient's comments, newest first; optionally those pinned to one kind of record, or to one
   * record. Null when the caller may not see the patient's clinical record.
   */
  async listForPatient(patientId: string, args: PatientChartCommentsArgs, includeCount: boolean): Promise<Connection<ChartComment> | null> {
    if (args.anchorId && !args.anchorType) throw badInput('anchorType', 'anchorType is required with anchorId');
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'clinical', 'ChartComment'))) return null;
    const where: FilterQuery<ChartComment> = { patientId, deletedAt: null };
    if (args.anchorType) where.anchorType = args.anchorType;
    if (args.anchorId) where.anchorId = args.anchorId;
    const page = await findPage(this.ctx.em, ChartComment, where, {
      first: args.first,
      after: args.after,
      // matches the indexes (patient_id, created_at desc, id) and (anchor_type, anchor_id, created_at desc, id)
      orderBy: { createdAt: 'desc', id: 'asc' },
      includeCount,
    });
    if (page.items.length) this.ctx.access.noteRead(patientId, 'clinical', 'ChartComment', page.items.length);
    return toConnection(page);
  }

  /** A clinician comments on a chart they may see (including under break-glass, flagged in the audit log). */
  async add(input: AddChartCommentInput): Promise<ChartComment> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'comment on charts');
    const patientId = input.patientId.toLowerCase();
    await this.ctx.access.requireWrite(patientId, 'clinical', 'ChartComment', 'patientId', () => true);
    if (input.parentId) {
      // only on this chart: a comment elsewhere answers like a missing one (it may be on a chart the caller cannot see)
      const [parent] = await findByIds(this.ctx.em, ChartComment, [input.parentId], { deletedAt: null, patientId });
      if (!parent) throw notFound('ChartComment', 'parentId');
    }
    const comment = this.ctx.em.create(ChartComment, {
      patientId,
      body: input.body.trim(),
      parentId: input.parentId?.toLowerCase() ?? null,
      anchorType: input.anchor?.type ?? null,
      anchorId: input.anchor?.id.toLowerCase() ?? null,
      // the practitioner record of the author arrives with the messaging issue (accounts link to practitioners)
      authorPractitionerId: null,
      organizationId: clinician.organizationId,
    });
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'ChartComment', { operation: 'create' });
    return comment;
  }
}
