import { ConnectionType, PageArgs, selectsTotalCount, type Role } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { MessagingContext } from '../context';
import { OrganizationRef, PatientRef, PractitionerRef, UserRole } from '../stubs';
import { ChartComment, ChartCommentAnchor, ChartCommentVersion } from './comment.entity';
import { AddChartCommentInput, DeleteChartCommentInput, EditChartCommentInput, PatientChartCommentsArgs } from './comment.inputs';

@ObjectType()
export class ChartCommentConnection extends ConnectionType(ChartComment) {}

@ObjectType({ description: 'Who wrote a chart comment: the signed-in account, its role and organization then' })
export class ChartCommentAuthor {
  @Field(() => ID) userId!: string;
  @Field(() => UserRole, { nullable: true }) role!: Role | null;
  @Field(() => OrganizationRef, { nullable: true }) organization!: OrganizationRef | null;
}

@ObjectType({ description: 'A deleted chart comment: it is kept for the record, its text hidden from every read' })
export class DeletedChartComment {
  @Field(() => ID) id!: string;
  @Field(() => Date, { description: 'When it was written (where it stood in the conversation)' }) createdAt!: Date;
  @Field(() => Date) deletedAt!: Date;
}

const deletedView = (comment: ChartComment): DeletedChartComment => ({ id: comment.id, createdAt: comment.createdAt, deletedAt: comment.deletedAt! });

const practitioners = (ids: readonly string[]): PractitionerRef[] => ids.map((id) => ({ id }));

@Resolver(() => ChartComment)
export class ChartCommentResolver {
  @Query(() => ChartComment, { nullable: true, description: 'One chart comment by id (null once deleted)' })
  chartComment(@Arg('id', () => ID) id: string, @Ctx() ctx: MessagingContext): Promise<ChartComment | null> {
    return ctx.loaders.chartComment.load(id);
  }

  @Mutation(() => ChartComment, {
    description: "Adds a comment to a patient's chart, optionally pinned to a record, replying to a comment, mentioning practitioners; sockets viewing the chart get comment:created",
  })
  async addChartComment(@Arg('input', () => AddChartCommentInput) input: AddChartCommentInput, @Ctx() ctx: MessagingContext): Promise<ChartComment> {
    return (await ctx.chartComments.add(input)).comment;
  }

  @Mutation(() => ChartComment, { description: 'Its author edits a comment (the earlier text stays as a version); sockets viewing the chart get comment:edited' })
  async editChartComment(@Arg('input', () => EditChartCommentInput) input: EditChartCommentInput, @Ctx() ctx: MessagingContext): Promise<ChartComment> {
    return (await ctx.chartComments.edit(input)).comment;
  }

  @Mutation(() => DeletedChartComment, { description: 'Its author deletes a comment (soft, audited); sockets viewing the chart get comment:deleted' })
  async deleteChartComment(@Arg('input', () => DeleteChartCommentInput) input: DeleteChartCommentInput, @Ctx() ctx: MessagingContext): Promise<DeletedChartComment> {
    const { comment } = await ctx.chartComments.remove(input);
    return deletedView(comment);
  }

  @FieldResolver(() => ChartComment, { nullable: true, description: 'The comment this one replies to (null if deleted)' })
  parent(@Root() comment: ChartComment, @Ctx() ctx: MessagingContext): Promise<ChartComment | null> | null {
    return comment.parentId ? ctx.loaders.chartComment.load(comment.parentId) : null;
  }

  @FieldResolver(() => DeletedChartComment, {
    nullable: true,
    description: 'The comment this one replies to, once its author has deleted it (parent is then null): a client keeps the thread together under a "deleted" placeholder',
  })
  async deletedParent(@Root() comment: ChartComment, @Ctx() ctx: MessagingContext): Promise<DeletedChartComment | null> {
    const parent = comment.parentId ? await ctx.loaders.deletedChartComment.load(comment.parentId) : null;
    return parent && deletedView(parent);
  }

  @FieldResolver(() => ChartCommentConnection, { description: 'Replies to this comment, oldest first' })
  replies(@Root() comment: ChartComment, @Args() args: PageArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
    return ctx.chartComments.replies(comment, args, selectsTotalCount(info));
  }

  @FieldResolver(() => ChartCommentAnchor, { nullable: true })
  anchor(@Root() comment: ChartComment): ChartCommentAnchor | null {
    return comment.anchorType && comment.anchorId ? { type: comment.anchorType, id: comment.anchorId } : null;
  }

  @FieldResolver(() => [ChartCommentVersion], { description: 'Every version of the text, oldest first (the last is the current one)' })
  versions(@Root() comment: ChartComment, @Ctx() ctx: MessagingContext): Promise<ChartCommentVersion[]> {
    return ctx.loaders.chartCommentVersions.load(comment.id);
  }

  @FieldResolver(() => [PractitionerRef], { description: 'Practitioners @mentioned in the current version' })
  mentions(@Root() comment: ChartComment): PractitionerRef[] {
    return practitioners(comment.mentionedPractitionerIds);
  }

  // Fields below cross into other subgraphs: nullable, so the gateway can answer with partial data
  // while one is down.
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() comment: ChartComment): PatientRef {
    return { id: comment.patientId };
  }

  @FieldResolver(() => ChartCommentAuthor, { nullable: true, description: 'Who wrote it (null for comments written before sign-in existed)' })
  author(@Root() comment: ChartComment): ChartCommentAuthor | null {
    if (!comment.authorUserId) return null;
    return { userId: comment.authorUserId, role: comment.authorRole ?? null, organization: comment.organizationId ? { id: comment.organizationId } : null };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization the author wrote from' })
  organization(@Root() comment: ChartComment): OrganizationRef | null {
    return comment.organizationId ? { id: comment.organizationId } : null;
  }
}

@Resolver(() => ChartCommentVersion)
export class ChartCommentVersionResolver {
  @FieldResolver(() => [PractitionerRef], { description: 'Practitioners @mentioned in this version' })
  mentions(@Root() version: ChartCommentVersion): PractitionerRef[] {
    return practitioners(version.mentionedPractitionerIds);
  }
}

@Resolver(() => PatientRef)
export class PatientChartCommentsResolver {
  @FieldResolver(() => ChartCommentConnection, {
    nullable: true,
    description: "Comments on the patient's chart, newest first (deleted ones left out); null when the caller may not see the chart",
  })
  chartComments(@Root() patient: PatientRef, @Args() args: PatientChartCommentsArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
    return ctx.chartComments.listForPatient(patient.id, args, selectsTotalCount(info));
  }
}
