import {
  CLINICIAN_ROLES, ConnectionType, PageArgs, escapeLike, findPage, notFound, requireStaff, selectsTotalCount, toConnection, type Connection, type Role,
} from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import type { GraphQLResolveInfo } from 'graphql';
import { Args, ArgsType, Ctx, Field, ID, Info, ObjectType, Query, Resolver } from 'type-graphql';
import type { MessagingContext } from '../context';
import { UserRole } from '../stubs';
import { accessSubjectOf, DirectoryAccount } from './directory-account.entity';

@ObjectType({ description: 'A physician or nurse of your organization: someone you may start a thread with, about a patient or not' })
export class Colleague {
  @Field(() => ID, { description: 'What startThread takes in participantUserIds' }) userId!: string;
  @Field(() => String) displayName!: string;
  @Field(() => UserRole) role!: Role;
  @Field(() => ID, { nullable: true, description: 'Their practitioner record, when their account is linked to one' }) practitionerId!: string | null;
}

@ObjectType()
export class ColleagueConnection extends ConnectionType(Colleague) {}

@ArgsType()
export class ColleaguesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Each word must appear in the display name (case-insensitive)' })
  @IsOptional() @IsString() @MaxLength(100) name?: string | null;

  @Field(() => ID, { nullable: true, description: "Only those who may see this patient's chart (a thread about the patient); you must see it yourself" })
  @IsOptional() @IsUUID() patientId?: string | null;
}

const toColleague = (account: DirectoryAccount): Colleague =>
  ({ userId: account.userId, displayName: account.displayName, role: account.role, practitionerId: account.practitionerId ?? null });

/**
 * The caller's colleagues from the directory this subgraph keeps: active physicians and nurses of
 * their own organization, the caller left out, by display name. A thread without a patient is open
 * to exactly these (startThread). With `patientId`, only those who may see that patient's chart, as
 * startThread decides (a page may then hold fewer than `first`; the patient's chart must be open to
 * the caller, NOT_FOUND otherwise, and the answer is audited as a read: who may see a chart says
 * something about the patient). Clinicians of other organizations who may see it: mentionCandidates.
 */
export async function colleagues(ctx: MessagingContext, args: ColleaguesArgs, includeCount: boolean): Promise<Connection<Colleague>> {
  const me = requireStaff(ctx.principal, CLINICIAN_ROLES, 'look up colleagues');
  const where: FilterQuery<DirectoryAccount> = {
    organizationId: me.organizationId,
    active: true,
    role: { $in: [...CLINICIAN_ROLES] },
    userId: { $ne: me.userId },
    $and: (args.name ?? '').split(/\s+/).filter(Boolean).slice(0, 4).map((term) => ({ displayName: { $ilike: `%${escapeLike(term)}%` } })),
  };
  const patientId = args.patientId?.toLowerCase();
  if (patientId && !(await ctx.access.check(patientId, 'clinical', 'Colleague'))) throw notFound('Patient', 'patientId');
  const found = await findPage<DirectoryAccount>(ctx.em, DirectoryAccount, where, {
    first: args.first, after: args.after, orderBy: { displayName: 'asc', userId: 'asc' }, includeCount: includeCount && !patientId, readOnly: true,
  });
  if (!patientId) return toConnection(found, toColleague);
  const page = toConnection(found);
  const decisions = await ctx.access.decisionsFor(page.edges.map((edge) => accessSubjectOf(edge.node)), patientId, 'clinical');
  const edges = page.edges.filter((edge) => decisions.get(edge.node.userId)?.allowed);
  if (edges.length) ctx.access.noteRead(patientId, 'clinical', 'Colleague', edges.length);
  return { ...page, edges: edges.map((edge) => ({ cursor: edge.cursor, node: toColleague(edge.node) })) };
}

@Resolver(() => Colleague)
export class ColleagueResolver {
  @Query(() => ColleagueConnection, {
    description:
      "Physicians and nurses of your organization (you left out), by display name: whom you may message (physicians and nurses). With patientId: only those who may see that patient's chart (a page may hold fewer than `first`; totalCount is not computed)",
  })
  colleagues(@Args() args: ColleaguesArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo): Promise<Connection<Colleague>> {
    return colleagues(ctx, args, selectsTotalCount(info));
  }
}
