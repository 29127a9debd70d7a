import { ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../../context';
import { PatientRef } from '../../stubs';
import { AllergyIntolerance } from './allergy.entity';
import { PatientAllergiesArgs, RecordAllergyIntoleranceInput } from './allergy.inputs';
import { allergyLoader, allergyService } from './allergy.service';

@ObjectType()
export class AllergyIntoleranceConnection extends ConnectionType(AllergyIntolerance) {}

@Resolver(() => AllergyIntolerance)
export class AllergyIntoleranceResolver {
  @Query(() => AllergyIntolerance, { nullable: true, description: 'One allergy or intolerance by id' })
  allergyIntolerance(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<AllergyIntolerance | null> {
    return allergyLoader(ctx).load(id);
  }

  @Mutation(() => AllergyIntolerance, { description: "Records an allergy or intolerance on a patient's chart" })
  recordAllergyIntolerance(@Arg('input', () => RecordAllergyIntoleranceInput) input: RecordAllergyIntoleranceInput, @Ctx() ctx: ClinicalContext): Promise<AllergyIntolerance> {
    return allergyService(ctx).record(input);
  }
}

@Resolver(() => PatientRef)
export class PatientAllergiesResolver {
  @FieldResolver(() => AllergyIntoleranceConnection, { nullable: true, description: "The patient's allergies and intolerances, newest recorded first" })
  allergies(@Root() patient: PatientRef, @Args() args: PatientAllergiesArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return allergyService(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}
