import { CodingInput, Nested } from '@caregraph/platform';
import { ArrayMaxSize, IsEnum, IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { ChartListArgs } from '../chart/chart-list';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { EncounterStatus } from './encounter.entity';

/** Encounter class codes are short tokens (v3 ActCode AMB/EMER/IMP, or local ones like WELLNESS). */
const CLASS_CODE = /^[A-Za-z0-9_.-]{1,32}$/;

@InputType({ description: 'An encounter as a clinician records it' })
export class RecordEncounterInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => ID, { description: 'The organization providing the encounter (FHIR serviceProvider)' }) @IsUUID() organizationId!: string;
  @Field(() => EncounterStatus) @IsEnum(EncounterStatus) status!: EncounterStatus;
  @Field(() => String) @Matches(CLASS_CODE, { message: 'classCode must be 1-32 letters, digits, dots, dashes or underscores' }) classCode!: string;
  @Field(() => CodingInput, { nullable: true }) @IsOptional() @Nested(() => CodingInput) type?: CodingInput | null;
  @Field(() => [CodingInput]) @ArrayMaxSize(20) @Nested(() => CodingInput) reasons: CodingInput[] = [];
  @Field(() => Date) periodStart!: Date;
  @Field(() => Date, { nullable: true, description: 'Leave out while the encounter is ongoing' }) @IsOptional() periodEnd?: Date | null;
  @Field(() => [ID]) @ArrayMaxSize(50) @IsUUID(undefined, { each: true }) participantPractitionerIds: string[] = [];
  @Field(() => String, { nullable: true, description: 'Where it took place, when more precise than the organization (ward, clinic room)' }) @IsOptional() @MaxLength(200) locationName?: string | null;
  @Field(() => String, { nullable: true, description: "The clinician's summary of the visit (up to 20,000 characters)" }) @IsOptional() @MaxLength(20000) visitSummary?: string | null;
}

@InputType({ description: "A clinician's summary of a visit of their organization" })
export class SetVisitSummaryInput {
  @Field(() => ID) @IsUUID() encounterId!: string;
  @Field(() => String, { description: 'Up to 20,000 characters; empty clears it' }) @MaxLength(20000) visitSummary!: string;
}

/** `from`/`to` apply to the start; `code` is the encounter type's code; `organizationId` the providing organization. */
@ArgsType()
export class PatientEncountersArgs extends ChartListArgs {
  @Field(() => EncounterStatus, { nullable: true }) @IsOptional() @IsEnum(EncounterStatus) status?: EncounterStatus | null;
}
