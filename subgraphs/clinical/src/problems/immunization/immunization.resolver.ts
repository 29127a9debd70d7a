import { ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../../context';
import { PatientRef } from '../../stubs';
import { Immunization } from './immunization.entity';
import { PatientImmunizationsArgs, RecordImmunizationInput } from './immunization.inputs';
import { immunizationLoader, immunizationService } from './immunization.service';

@ObjectType()
export class ImmunizationConnection extends ConnectionType(Immunization) {}

@Resolver(() => Immunization)
export class ImmunizationResolver {
  @Query(() => Immunization, { nullable: true, description: 'One immunization by id' })
  immunization(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<Immunization | null> {
    return immunizationLoader(ctx).load(id);
  }

  @Mutation(() => Immunization, { description: "Records a vaccination on a patient's chart" })
  recordImmunization(@Arg('input', () => RecordImmunizationInput) input: RecordImmunizationInput, @Ctx() ctx: ClinicalContext): Promise<Immunization> {
    return immunizationService(ctx).record(input);
  }
}

@Resolver(() => PatientRef)
export class PatientImmunizationsResolver {
  @FieldResolver(() => ImmunizationConnection, { nullable: true, description: "The patient's immunizations, most recent first" })
  immunizations(@Root() patient: PatientRef, @Args() args: PatientImmunizationsArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return immunizationService(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}
