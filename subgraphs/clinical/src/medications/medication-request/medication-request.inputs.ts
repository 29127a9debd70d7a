import { CodingInput, Nested } from '@caregraph/platform';
import { ArrayMaxSize, IsEnum, IsIn, IsOptional, IsUUID, MaxLength, MinLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { MedicationRequestIntent, MedicationRequestStatus } from './medication-request.entity';

/** `from`/`to` apply to authoredOn; `code` is the RxNorm code; `organizationId` the organization it came from. */
@ArgsType()
export class PatientMedicationRequestsArgs extends ChartListArgs {
  @Field(() => MedicationRequestStatus, { nullable: true }) @IsOptional() @IsEnum(MedicationRequestStatus) status?: MedicationRequestStatus | null;
}

/** What a new prescription may start as: a finished or withdrawn one is not prescribed. */
export const PRESCRIBABLE_STATUSES = [MedicationRequestStatus.ACTIVE, MedicationRequestStatus.DRAFT, MedicationRequestStatus.ON_HOLD] as const;

@InputType({ description: "A prescription a clinician writes for a patient whose chart they may see, at the clinician's organization" })
export class PrescribeMedicationInput {
  @Field(() => ID) @IsUUID() patientId!: string;

  @Field(() => CodingInput, { description: 'The medication: an RxNorm coding (system http://www.nlm.nih.gov/research/umls/rxnorm)' })
  @Nested(() => CodingInput)
  medication!: CodingInput;

  @Field(() => String, { description: 'How to take it, as the patient will read it (1-1000 characters)' })
  @MinLength(1) @MaxLength(1000)
  dosageText!: string;

  // enum defaults are applied by the service: a GraphQL default would reach it as the enum's name
  @Field(() => MedicationRequestStatus, { nullable: true, description: 'ACTIVE (when left out), DRAFT or ON_HOLD' })
  @IsOptional() @IsIn(PRESCRIBABLE_STATUSES, { message: 'status must be ACTIVE, DRAFT or ON_HOLD' })
  status?: MedicationRequestStatus | null;

  @Field(() => MedicationRequestIntent, { nullable: true, description: 'ORDER when left out' })
  @IsOptional() @IsEnum(MedicationRequestIntent)
  intent?: MedicationRequestIntent | null;

  @Field(() => [CodingInput], { description: 'Why: SNOMED CT or ICD-10-CM codes' })
  @ArrayMaxSize(10) @Nested(() => CodingInput)
  reasons: CodingInput[] = [];

  @Field(() => ID, { nullable: true, description: 'The encounter of this patient it is written in, if any' })
  @IsOptional() @IsUUID()
  encounterId?: string | null;
}
