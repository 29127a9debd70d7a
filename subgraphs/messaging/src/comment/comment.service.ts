import { badInput, findPage, notFound, toConnection, type Connection, type RequestContext, findByIds } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { ChartComment } from './comment.entity';
import type { AddChartCommentInput, PatientChartCommentsArgs } from './comment.inputs';

const EMPTY_PAGE = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };

/** Comments on patients' charts. Deleted comments are invisible to every read. */
export class ChartCommentService {
  constructor(private readonly ctx: RequestContext) {}

  /** Ids that are not UUIDs cannot exist (and would make Postgres fail the whole batch). */
  findByIds(ids: readonly string[]): Promise<ChartComment[]> {
    return findByIds(this.ctx.em, ChartComment, ids, { deletedAt: null });
  }

  /** A patient's comments, newest first; optionally those pinned to one kind of record, or to one record. */
  async listForPatient(patientId: string, args: PatientChartCommentsArgs, includeCount: boolean): Promise<Connection<ChartComment>> {
    if (args.anchorId && !args.anchorType) throw badInput('anchorType', 'anchorType is required with anchorId');
    if (!isUuid(patientId)) return EMPTY_PAGE;
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
    return toConnection(page);
  }

  async add(input: AddChartCommentInput): Promise<ChartComment> {
    const patientId = input.patientId.toLowerCase();
    if (input.parentId) {
      const [parent] = await this.findByIds([input.parentId]);
      if (!parent) throw notFound('ChartComment', 'parentId');
      if (parent.patientId !== patientId) throw badInput('parentId', "parentId must be a comment on the same patient's chart");
    }
    const comment = this.ctx.em.create(ChartComment, {
      patientId,
      body: input.body.trim(),
      parentId: input.parentId?.toLowerCase() ?? null,
      anchorType: input.anchor?.type ?? null,
      anchorId: input.anchor?.id.toLowerCase() ?? null,
      // author and organization come from the signed-in principal once sign-in exists
      authorPractitionerId: null,
      organizationId: null,
    });
    await this.ctx.em.flush();
    return comment;
  }
}
