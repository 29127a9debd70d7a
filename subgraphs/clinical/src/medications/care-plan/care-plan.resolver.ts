import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../../context';
import { PatientRef } from '../../stubs';
import { Goal } from '../goal/goal.entity';
import { CarePlan } from './care-plan.entity';
import { PatientCarePlansArgs } from './care-plan.inputs';
import { CarePlanService } from './care-plan.service';

@ObjectType()
export class CarePlanConnection extends ConnectionType(CarePlan) {}

@Resolver(() => CarePlan)
export class CarePlanResolver {
  @Query(() => CarePlan, { nullable: true, description: 'One care plan by id (null when unknown or not visible to the caller)' })
  carePlan(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<CarePlan | null> {
    return CarePlanService.of(ctx).loader.load(id);
  }

  @FieldResolver(() => [Goal], { description: 'The goals the plan pursues (FHIR goal), in plan order' })
  goals(@Root() plan: CarePlan, @Ctx() ctx: ClinicalContext): Promise<Goal[]> {
    return CarePlanService.of(ctx).goalsOf(plan);
  }
}

@Resolver(() => PatientRef)
export class PatientCarePlansResolver {
  @FieldResolver(() => CarePlanConnection, { nullable: true, description: "The patient's care plans, newest start first" })
  carePlans(@Root() patient: PatientRef, @Args() args: PatientCarePlansArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return CarePlanService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(CarePlan, { fields: { goals: ['goalIds'] } });
