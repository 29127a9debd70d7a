import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../../context';
import { PatientRef } from '../../stubs';
import { Goal, GoalTarget } from './goal.entity';
import { PatientGoalsArgs } from './goal.inputs';
import { GoalService } from './goal.service';
import { goalTargets } from './goal-target';

@ObjectType()
export class GoalConnection extends ConnectionType(Goal) {}

@Resolver(() => Goal)
export class GoalResolver {
  @Query(() => Goal, { nullable: true, description: 'One goal by id (null when unknown or not visible to the caller)' })
  goal(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<Goal | null> {
    return GoalService.of(ctx).loader.load(id);
  }

  @FieldResolver(() => [GoalTarget], { description: 'What the goal aims at (FHIR target), in words; empty when it names no target' })
  targets(@Root() goal: Goal): GoalTarget[] {
    return goalTargets(goal.target);
  }
}

@Resolver(() => PatientRef)
export class PatientGoalsResolver {
  @FieldResolver(() => GoalConnection, { nullable: true, description: "The patient's goals, newest start first" })
  goals(@Root() patient: PatientRef, @Args() args: PatientGoalsArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return GoalService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(Goal, { fields: { targets: ['target'] } });
