import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ClinicalContext } from '../context';
import { OrganizationRef, PatientRef, PractitionerRef } from '../stubs';
import { prefetchLinkedRecords } from '../chart/encounter-records';
import { Encounter } from './encounter.entity';
import { PatientEncountersArgs, RecordEncounterInput, SetVisitSummaryInput } from './encounter.inputs';

@ObjectType()
export class EncounterConnection extends ConnectionType(Encounter) {}

@Resolver(() => Encounter)
export class EncounterResolver {
  @Query(() => Encounter, { nullable: true, description: 'One encounter by id' })
  encounter(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<Encounter | null> {
    return ctx.loaders.encounter.load(id);
  }

  @Mutation(() => Encounter, { description: 'Records an encounter (e.g. entered by a clinician)' })
  recordEncounter(@Arg('input', () => RecordEncounterInput) input: RecordEncounterInput, @Ctx() ctx: ClinicalContext): Promise<Encounter> {
    return ctx.encounters.record(input);
  }

  @Mutation(() => Encounter, { description: "Writes (or clears) the visit summary of an encounter of the caller's organization" })
  setVisitSummary(@Arg('input', () => SetVisitSummaryInput) input: SetVisitSummaryInput, @Ctx() ctx: ClinicalContext): Promise<Encounter> {
    return ctx.encounters.setVisitSummary(input);
  }

  // Fields below cross into the patients subgraph: nullable, so the gateway can answer with
  // partial data while it is down.
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() encounter: Encounter): PatientRef {
    return { id: encounter.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization providing the encounter (FHIR serviceProvider)' })
  organization(@Root() encounter: Encounter): OrganizationRef {
    return { id: encounter.organizationId };
  }

  @FieldResolver(() => [PractitionerRef], { nullable: 'itemsAndList' })
  participants(@Root() encounter: Encounter): PractitionerRef[] {
    return encounter.participantPractitionerIds.map((id) => ({ id }));
  }
}

@Resolver(() => PatientRef)
export class PatientEncountersResolver {
  @FieldResolver(() => EncounterConnection, { nullable: true, description: "The patient's encounters, newest first" })
  encounters(@Root() patient: PatientRef, @Args() args: PatientEncountersArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    // the page's linked records (conditions, observations, ...) are read as soon as the page is
    return ctx.encounters.listForPatient(patient.id, args, listSelection(info), (encounters, allowed) =>
      prefetchLinkedRecords(ctx, info, encounters.map((encounter) => encounter.id), allowed));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(Encounter, {
  always: ['patientId'],
  fields: { patient: ['patientId'], organization: ['organizationId'], participants: ['participantPractitionerIds'] },
});
