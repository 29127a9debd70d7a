import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../../context';
import { PatientRef, PractitionerRef } from '../../stubs';
import { Procedure } from './procedure.entity';
import { PatientProceduresArgs } from './procedure.inputs';
import { procedureLoader, procedureService } from './procedure.service';

@ObjectType()
export class ProcedureConnection extends ConnectionType(Procedure) {}

@Resolver(() => Procedure)
export class ProcedureResolver {
  @Query(() => Procedure, { nullable: true, description: 'One procedure by id' })
  procedure(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<Procedure | null> {
    return procedureLoader(ctx).load(id);
  }

  @FieldResolver(() => [PractitionerRef], { nullable: 'itemsAndList', description: 'The practitioners who performed it' })
  performers(@Root() procedure: Procedure): PractitionerRef[] {
    return procedure.performerPractitionerIds.map((id) => ({ id }));
  }
}

@Resolver(() => PatientRef)
export class PatientProceduresResolver {
  @FieldResolver(() => ProcedureConnection, { nullable: true, description: "The patient's procedures, most recent first" })
  procedures(@Root() patient: PatientRef, @Args() args: PatientProceduresArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return procedureService(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(Procedure, { fields: { performers: ['performerPractitionerIds'] } });
