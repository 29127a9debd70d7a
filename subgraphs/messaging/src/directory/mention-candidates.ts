import {
  CLINICIAN_ROLES, ConnectionType, PageArgs, badInput, escapeLike, foldForSearch, notFound, requireStaff,
  type AccessSubject, type Connection, type Role,
} from '@caregraph/platform';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { Args, ArgsType, Ctx, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ChartCommentAuthor } from '../comment/comment.resolver';
import type { MessagingContext } from '../context';
import { OrganizationRef, UserRole } from '../stubs';
import { isUuid } from './directory.events';
import { directoryAccounts } from './directory.loader';

@ObjectType({ description: 'A clinician who may be @mentioned on a chart: pass practitionerId in the comment\'s mentions' })
export class MentionCandidate {
  @Field(() => ID) userId!: string;
  @Field(() => String) displayName!: string;
  @Field(() => UserRole) role!: Role;
  @Field(() => ID) organizationId!: string;
  @Field(() => OrganizationRef, { nullable: true }) organization!: OrganizationRef | null;
  @Field(() => ID, { description: 'What a comment\'s mentions take' }) practitionerId!: string;
}

@ObjectType()
export class MentionCandidateConnection extends ConnectionType(MentionCandidate) {}

@ArgsType()
export class MentionCandidatesArgs extends PageArgs {
  @Field(() => ID) @IsUUID() patientId!: string;

  @Field(() => String, { nullable: true, description: 'Each word must prefix-match a word of the display name (case- and accent-insensitive)' })
  @IsOptional() @IsString() @MaxLength(100) name?: string | null;
}

interface CandidateRow {
  user_id: string;
  role: Role;
  organization_id: string;
  practitioner_id: string;
  display_name: string;
  sort_key: string;
}

/** Rows read per policy call, and at most this many calls per page (a page may then come back short, with hasNextPage). */
const SCAN_BATCH = 100;
const MAX_SCANS = 5;
/** Combining marks, removed after NFKD like foldForSearch does (no extension needed). */
const COMBINING_MARKS = '[\u0300-\u036f]';
/** What separates the words of a display name ("Dr. Ana-María Ruiz" has five). */
const WORD_SEPARATORS = /[\s.,()'_-]+/;
const SQL_WORD_SEPARATORS = `[[:space:].,()'_-]+`;

const encodeCursor = (row: Pick<CandidateRow, 'sort_key' | 'user_id'>) => Buffer.from(JSON.stringify([row.sort_key, row.user_id])).toString('base64url');

function decodeCursor(after: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && isUuid(value[1])) return [value[0], value[1]];
  } catch {
    // reported below
  }
  throw badInput('after', 'Invalid cursor: pass the endCursor of a previous page');
}

/**
 * Who the caller may @mention on a patient's chart, from the directory this subgraph keeps: active
 * physicians and nurses linked to a practitioner (mentions name practitioners) who may read the
 * chart themselves (asked of the policy as the caller), the caller left out, in display-name order.
 * Only for clinicians who may read the chart (NOT_FOUND otherwise, like chart:join); the list is
 * audited as a read of the patient, since who may see a chart says something about the patient.
 */
export async function mentionCandidates(ctx: MessagingContext, args: MentionCandidatesArgs): Promise<Connection<MentionCandidate>> {
  const me = requireStaff(ctx.principal, CLINICIAN_ROLES, 'look up colleagues to mention');
  const patientId = args.patientId.toLowerCase();
  if (!(await ctx.access.check(patientId, 'clinical', 'MentionCandidate'))) throw notFound('Patient', 'patientId');
  const terms = foldForSearch(args.name ?? '').split(WORD_SEPARATORS).filter(Boolean).slice(0, 4);
  let position = args.after ? decodeCursor(args.after) : null;
  const found: CandidateRow[] = [];
  let exhausted = false;
  for (let scan = 0; scan < MAX_SCANS && found.length <= args.first && !exhausted; scan += 1) {
    const rows = await candidateRows(ctx, me.userId, terms, position);
    exhausted = rows.length < SCAN_BATCH;
    const decisions = await ctx.access.decisionsFor(rows.map((row): AccessSubject => ({ userId: row.user_id, role: row.role as AccessSubject['role'], organizationId: row.organization_id })), patientId, 'clinical');
    for (const row of rows) {
      position = [row.sort_key, row.user_id];
      if (decisions.get(row.user_id)?.allowed) found.push(row);
      if (found.length > args.first) break;
    }
  }
  const page = found.slice(0, args.first);
  const full = found.length > args.first;
  if (page.length) ctx.access.noteRead(patientId, 'clinical', 'MentionCandidate', page.length);
  // a short page cut by the scan limit goes on after the last row scanned, not the last returned
  const last = full || exhausted || !position ? page[page.length - 1] : { sort_key: position[0], user_id: position[1] };
  const hasNextPage = full || !exhausted;
  const endCursor = last ? encodeCursor(last) : null;
  return {
    edges: page.map((row) => ({
      cursor: encodeCursor(row),
      node: {
        userId: row.user_id, displayName: row.display_name, role: row.role, organizationId: row.organization_id,
        organization: { id: row.organization_id }, practitionerId: row.practitioner_id,
      },
    })),
    pageInfo: { hasNextPage, hasPreviousPage: Boolean(args.after), startCursor: page.length ? encodeCursor(page[0]) : null, endCursor },
  };
}

/** The next SCAN_BATCH mentionable accounts after `position` whose display name matches every term, by folded name (byte order: the same on every database). */
function candidateRows(ctx: MessagingContext, myUserId: string, terms: readonly string[], position: [string, string] | null): Promise<CandidateRow[]> {
  const where: string[] = [];
  const params: unknown[] = [COMBINING_MARKS, ...CLINICIAN_ROLES, myUserId];
  if (position) {
    where.push(`("sort_key" collate "C", "user_id") > (? collate "C", ?::uuid)`);
    params.push(...position);
  }
  for (const term of terms) {
    where.push(`' ' || regexp_replace("sort_key", ?, ' ', 'g') like ? escape '\\'`);
    params.push(SQL_WORD_SEPARATORS, `% ${escapeLike(term)}%`);
  }
  return ctx.em.execute<CandidateRow[]>(
    `select * from (
       select "user_id", "role", "organization_id", "practitioner_id", "display_name",
              lower(regexp_replace(normalize("display_name", NFKD), ?, '', 'g')) as "sort_key"
         from "messaging"."directory_account"
        where "active" and "practitioner_id" is not null and "role" in (${CLINICIAN_ROLES.map(() => '?').join(', ')}) and "user_id" <> ?
     ) as "account"
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by "sort_key" collate "C", "user_id"
     limit ?`,
    [...params, SCAN_BATCH],
  );
}

@Resolver(() => MentionCandidate)
export class MentionCandidateResolver {
  @Query(() => MentionCandidateConnection, {
    description:
      "Colleagues you may @mention on a patient's chart: active physicians and nurses linked to a practitioner who may read the chart, you left out, by display name (physicians and nurses who may read the chart; NOT_FOUND otherwise). totalCount is not computed; a page may hold fewer than `first` with hasNextPage true",
  })
  mentionCandidates(@Args() args: MentionCandidatesArgs, @Ctx() ctx: MessagingContext): Promise<Connection<MentionCandidate>> {
    return mentionCandidates(ctx, args);
  }
}

/** Comment authors' names, from the same directory. */
@Resolver(() => ChartCommentAuthor)
export class ChartCommentAuthorResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Their display name now (null while the directory has not heard of them)' })
  async displayName(@Root() author: ChartCommentAuthor, @Ctx() ctx: MessagingContext): Promise<string | null> {
    return (await directoryAccounts(ctx).load(author.userId))?.displayName ?? null;
  }
}
