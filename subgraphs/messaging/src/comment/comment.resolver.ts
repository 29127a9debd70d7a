import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { MessagingContext } from '../context';
import { PatientRef, PractitionerRef } from '../stubs';
import { ChartComment, ChartCommentAnchor } from './comment.entity';
import { AddChartCommentInput, PatientChartCommentsArgs } from './comment.inputs';

@ObjectType()
export class ChartCommentConnection extends ConnectionType(ChartComment) {}

@Resolver(() => ChartComment)
export class ChartCommentResolver {
  @Query(() => ChartComment, { nullable: true, description: 'One chart comment by id (null once deleted)' })
  chartComment(@Arg('id', () => ID) id: string, @Ctx() ctx: MessagingContext): Promise<ChartComment | null> {
    return ctx.loaders.chartComment.load(id);
  }

  @Mutation(() => ChartComment, { description: "Adds a comment to a patient's chart, optionally pinned to a record or replying to a comment" })
  addChartComment(@Arg('input', () => AddChartCommentInput) input: AddChartCommentInput, @Ctx() ctx: MessagingContext): Promise<ChartComment> {
    return ctx.chartComments.add(input);
  }

  @FieldResolver(() => ChartComment, { nullable: true, description: 'The comment this one replies to (null if deleted)' })
  parent(@Root() comment: ChartComment, @Ctx() ctx: MessagingContext): Promise<ChartComment | null> | null {
    return comment.parentId ? ctx.loaders.chartComment.load(comment.parentId) : null;
  }

  @FieldResolver(() => ChartCommentAnchor, { nullable: true })
  anchor(@Root() comment: ChartComment): ChartCommentAnchor | null {
    return comment.anchorType && comment.anchorId ? { type: comment.anchorType, id: comment.anchorId } : null;
  }

  // Fields below cross into the patients subgraph: nullable, so the gateway can answer with
  // partial data while it is down.
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() comment: ChartComment): PatientRef {
    return { id: comment.patientId };
  }

  @FieldResolver(() => PractitionerRef, { nullable: true, description: 'Who wrote it (known once sign-in exists)' })
  author(@Root() comment: ChartComment): PractitionerRef | null {
    return comment.authorPractitionerId ? { id: comment.authorPractitionerId } : null;
  }
}

@Resolver(() => PatientRef)
export class PatientChartCommentsResolver {
  @FieldResolver(() => ChartCommentConnection, { nullable: true, description: "Comments on the patient's chart, newest first (deleted ones left out)" })
  chartComments(@Root() patient: PatientRef, @Args() args: PatientChartCommentsArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
    return ctx.chartComments.listForPatient(patient.id, args, selectsTotalCount(info));
  }
}
