import { CodingInput, Nested, PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, IsEnum, IsOptional, IsUUID, Matches } from 'class-validator';
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
}

@ArgsType()
export class PatientEncountersArgs extends PageArgs {
  @Field(() => EncounterStatus, { nullable: true }) @IsOptional() @IsEnum(EncounterStatus) status?: EncounterStatus | null;
  @Field(() => Date, { nullable: true, description: 'Only encounters that start at or after this instant' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Only encounters that start before this instant' }) to?: Date | null;
}
