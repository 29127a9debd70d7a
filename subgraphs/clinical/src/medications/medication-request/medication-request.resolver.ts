import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import type { ClinicalContext } from '../../context';
import { PatientRef, PractitionerRef } from '../../stubs';
import { MedicationRequest } from './medication-request.entity';
import { PatientMedicationRequestsArgs, PrescribeMedicationInput } from './medication-request.inputs';
import { MedicationRequestService } from './medication-request.service';

@ObjectType()
export class MedicationRequestConnection extends ConnectionType(MedicationRequest) {}

@Resolver(() => MedicationRequest)
export class MedicationRequestResolver {
  @Query(() => MedicationRequest, { nullable: true, description: 'One medication request by id (null when unknown or not visible to the caller)' })
  medicationRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<MedicationRequest | null> {
    return MedicationRequestService.of(ctx).loader.load(id);
  }

  @Mutation(() => MedicationRequest, {
    description: "Prescribes a medication (RxNorm) for a patient whose chart the caller may see, at the caller's organization. Physicians and nurses only.",
  })
  prescribeMedication(@Arg('input', () => PrescribeMedicationInput) input: PrescribeMedicationInput, @Ctx() ctx: ClinicalContext): Promise<MedicationRequest> {
    return MedicationRequestService.of(ctx).prescribe(input);
  }

  @FieldResolver(() => PractitionerRef, { nullable: true, description: 'Who wrote it (FHIR requester), when known' })
  requester(@Root() request: MedicationRequest): PractitionerRef | null {
    return request.requesterPractitionerId ? { id: request.requesterPractitionerId } : null;
  }
}

@Resolver(() => PatientRef)
export class PatientMedicationRequestsResolver {
  @FieldResolver(() => MedicationRequestConnection, { nullable: true, description: "The patient's medication requests, newest first (by authoredOn)" })
  medicationRequests(@Root() patient: PatientRef, @Args() args: PatientMedicationRequestsArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return MedicationRequestService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }

  @FieldResolver(() => MedicationRequestConnection, { nullable: true, description: 'What the patient is currently prescribed (status ACTIVE), newest first' })
  activeMedications(@Root() patient: PatientRef, @Args() args: ChartListArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return MedicationRequestService.of(ctx).listActive(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(MedicationRequest, { fields: { requester: ['requesterPractitionerId'] } });
