import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import type { ClinicalContext } from '../../context';
import { PatientRef, PractitionerRef } from '../../stubs';
import { Condition } from './condition.entity';
import { PatientConditionsArgs, RecordConditionInput } from './condition.inputs';
import { conditionLoader, conditionService } from './condition.service';

@ObjectType()
export class ConditionConnection extends ConnectionType(Condition) {}

@Resolver(() => Condition)
export class ConditionResolver {
  @Query(() => Condition, { nullable: true, description: 'One condition by id' })
  condition(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<Condition | null> {
    return conditionLoader(ctx).load(id);
  }

  @Mutation(() => Condition, { description: "Records a condition (problem or diagnosis) on a patient's chart" })
  recordCondition(@Arg('input', () => RecordConditionInput) input: RecordConditionInput, @Ctx() ctx: ClinicalContext): Promise<Condition> {
    return conditionService(ctx).record(input);
  }

  @FieldResolver(() => PractitionerRef, { nullable: true, description: 'Who asserted the condition, when a practitioner' })
  asserter(@Root() condition: Condition): PractitionerRef | null {
    return condition.asserterPractitionerId ? { id: condition.asserterPractitionerId } : null;
  }
}

@Resolver(() => PatientRef)
export class PatientConditionsResolver {
  @FieldResolver(() => ConditionConnection, { nullable: true, description: "The patient's conditions, newest recorded first" })
  conditions(@Root() patient: PatientRef, @Args() args: PatientConditionsArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return conditionService(ctx).listForPatient(patient.id, args, listSelection(info));
  }

  @FieldResolver(() => ConditionConnection, { nullable: true, description: 'The problems the patient has now (clinical status active, recurrence or relapse), newest recorded first' })
  activeProblems(@Root() patient: PatientRef, @Args() args: ChartListArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return conditionService(ctx).activeForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(Condition, { fields: { asserter: ['asserterPractitionerId'] } });
