import { declareReadNeeds, Coding, ConnectionType, type RequestContext, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PatientRef } from '../../stubs';
import { Quantity, toQuantity } from '../shared/quantity';
import { Observation } from './observation.entity';
import { PatientObservationsArgs, RecordObservationsInput } from './observation.inputs';
import { observationById } from './observation.loaders';
import { ObservationService } from './observation.service';

@ObjectType()
export class ObservationConnection extends ConnectionType(Observation) {}

@ObjectType({ description: 'One part of a multi-part observation, e.g. the systolic pressure of a blood pressure (FHIR Observation.component)' })
export class ObservationComponent {
  @Field(() => Coding) code!: Coding;
  @Field(() => Quantity, { nullable: true }) valueQuantity?: Quantity | null;
  @Field(() => Coding, { nullable: true }) valueCodeableConcept?: Coding | null;
}

@ObjectType({ description: 'What is normal for this observation (FHIR Observation.referenceRange)' })
export class ObservationReferenceRange {
  @Field(() => Quantity, { nullable: true }) low?: Quantity | null;
  @Field(() => Quantity, { nullable: true }) high?: Quantity | null;
  @Field(() => String, { nullable: true }) text?: string | null;
}

@Resolver(() => Observation)
export class ObservationResolver {
  @Query(() => Observation, { nullable: true, description: 'One observation by id' })
  observation(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Observation | null> {
    return observationById(ctx).load(id);
  }

  @Mutation(() => [Observation], { description: "Records a clinician's observations of one patient (e.g. vital signs) at the caller's organization: all of them, or none" })
  recordObservations(@Arg('input', () => RecordObservationsInput) input: RecordObservationsInput, @Ctx() ctx: RequestContext): Promise<Observation[]> {
    return ObservationService.of(ctx).record(input);
  }

  @FieldResolver(() => Quantity, { nullable: true, description: 'A measurement (FHIR valueQuantity): the exact value with its unit as recorded' })
  valueQuantity(@Root() observation: Observation): Quantity | null {
    if (observation.valueQuantity === null || observation.valueQuantity === undefined) return null;
    return toQuantity({
      value: observation.valueQuantity as unknown as number,
      unit: observation.valueUnit ?? null,
      unitCode: observation.valueUnitCode ?? null,
      system: observation.valueSystem ?? null,
      comparator: observation.valueComparator ?? null,
    });
  }

  @FieldResolver(() => [ObservationComponent], { description: 'The parts of a panel (e.g. systolic and diastolic), in recorded order' })
  components(@Root() observation: Observation): ObservationComponent[] {
    return observation.components.map((component) => ({
      code: component.code,
      valueQuantity: toQuantity(component.quantity),
      valueCodeableConcept: component.coding,
    }));
  }

  @FieldResolver(() => [ObservationReferenceRange])
  referenceRange(@Root() observation: Observation): ObservationReferenceRange[] {
    return observation.referenceRange.map((range) => ({ low: toQuantity(range.low), high: toQuantity(range.high), text: range.text }));
  }
}

@Resolver(() => PatientRef)
export class PatientObservationsResolver {
  @FieldResolver(() => ObservationConnection, { nullable: true, description: "The patient's observations from every organization, newest first" })
  observations(@Root() patient: PatientRef, @Args() args: PatientObservationsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ObservationService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }

  @FieldResolver(() => [Observation], {
    nullable: true,
    description: 'The most recent vital-sign observation of each code (height, weight, blood pressure, ...) from any organization, in code order',
  })
  latestVitals(@Root() patient: PatientRef, @Ctx() ctx: RequestContext): Promise<Observation[] | null> {
    return ObservationService.of(ctx).latestVitals(patient.id);
  }
}

// the columns the fields above read beyond their own (database/projection.ts)
declareReadNeeds(Observation, { fields: { valueQuantity: ['valueQuantity', 'valueUnit', 'valueUnitCode', 'valueSystem', 'valueComparator'] } });
