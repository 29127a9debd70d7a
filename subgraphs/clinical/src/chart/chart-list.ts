import {
  badInput, findPage, PageArgs, propertiesForFields, toConnection, type Connection, type ListSelection, type RequestContext,
} from '@caregraph/platform';
import type { EntityClass, FilterQuery } from '@mikro-orm/postgresql';
import { IsOptional, IsUUID, MaxLength } from 'class-validator';
import { ArgsType, Field, ID } from 'type-graphql';
import { validate as isUuid } from 'uuid';

/** The filters every chart list takes (features add their own, e.g. status or category). */
@ArgsType()
export class ChartListArgs extends PageArgs {
  @Field(() => Date, { nullable: true, description: 'Only records at or after this instant' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only records before this instant' })
  to?: Date | null;

  @Field(() => ID, { nullable: true, description: 'Only records that came from this organization' })
  @IsOptional() @IsUUID('all', { message: 'organizationId must be a UUID' })
  organizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'Only records with this code (SNOMED CT, LOINC, RxNorm, CVX, ... as recorded)' })
  @IsOptional() @MaxLength(64)
  code?: string | null;
}

export interface ChartListQuery<E extends { patientId: string }> {
  entity: EntityClass<E>;
  /** FHIR resource type, as the audit log names what was read. */
  recordType: string;
  patientId: string;
  args: ChartListArgs;
  /** The non-null timestamp column the list is sorted by (newest first) and `from`/`to` apply to. */
  dateField: keyof E & string;
  /** The column `code` matches, when the feature has a code. */
  codeField?: keyof E & string;
  /** The feature's own conditions (status, category, ...). */
  where?: FilterQuery<E>;
  /** What the client selected: the total only when asked for, and only the columns the items' fields read. */
  selection: ListSelection;
  /**
   * Told the page's items as soon as they are read, before the access policy's decision on the
   * patient (`allowed`): to start loading what the query asks of them. Nothing it loads may reach
   * the caller unless `allowed` resolves true.
   */
  onRead?: (items: E[], allowed: Promise<boolean>) => void;
}

/**
 * One page of a patient's records, newest first, under the access policy: null when the caller
 * may not see the patient's clinical record (or the id is unknown), exactly as for a patient that
 * does not exist; the read is audited. Each feature's table has an index per filter:
 * (patient_id, <date> desc, id), and (patient_id, <filter>, <date> desc, id) for status, category,
 * code and organization.
 */
export async function listChartRecords<E extends { patientId: string }>(ctx: RequestContext, query: ChartListQuery<E>): Promise<Connection<E> | null> {
  const { args, dateField } = query;
  if (args.from && args.to && args.to < args.from) throw badInput('to', 'to must not be before from');
  if (args.code && !query.codeField) throw badInput('code', 'this list has no code to filter on');
  if (!isUuid(query.patientId)) return null;

  const where: Record<string, unknown> = { ...(query.where as object), patientId: query.patientId.toLowerCase() };
  if (args.organizationId) where.organizationId = args.organizationId.toLowerCase();
  if (args.code && query.codeField) where[query.codeField] = args.code;
  if (args.from || args.to) where[dateField] = { ...(args.from && { $gte: args.from }), ...(args.to && { $lt: args.to }) };
  const page = await ctx.access.readIfAllowed(query.patientId, 'clinical', query.recordType, async () => {
    const read = await findPage(ctx.em, query.entity as never, where, {
      first: args.first,
      after: args.after,
      orderBy: { [dateField]: 'desc', id: 'asc' },
      includeCount: query.selection.includeCount,
      readOnly: true,
      select: propertiesForFields(ctx.em, query.entity, query.selection.itemFields),
    });
    // the same decision readIfAllowed waits for (asked once per request)
    query.onRead?.(read.items as E[], ctx.access.decision(query.patientId, 'clinical').then((decision) => decision.allowed));
    return read;
  });
  if (!page) return null;
  if (page.items.length) ctx.access.noteRead(query.patientId, 'clinical', query.recordType, page.items.length);
  return toConnection(page, (row) => row as E);
}
