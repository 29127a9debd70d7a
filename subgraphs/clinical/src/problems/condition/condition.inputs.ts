import { CodingInput, Nested } from '@caregraph/platform';
import { IsEnum, IsOptional, IsUUID } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { ConditionCategory, ConditionClinicalStatus, ConditionVerificationStatus } from './condition.entity';

@InputType({ description: "A condition as a clinician records it on the patient's chart (for the caller's organization)" })
export class RecordConditionInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => CodingInput, { description: 'SNOMED CT (http://snomed.info/sct) or ICD-10-CM (http://hl7.org/fhir/sid/icd-10-cm)' }) @Nested(() => CodingInput) code!: CodingInput;
  @Field(() => ConditionClinicalStatus, { nullable: true, description: 'Required unless the verification status is ENTERED_IN_ERROR (then left out)' })
  @IsOptional() @IsEnum(ConditionClinicalStatus) clinicalStatus?: ConditionClinicalStatus | null;
  @Field(() => ConditionVerificationStatus, { nullable: true }) @IsOptional() @IsEnum(ConditionVerificationStatus) verificationStatus?: ConditionVerificationStatus | null;
  @Field(() => ConditionCategory, { nullable: true, description: 'PROBLEM_LIST_ITEM when left out' }) @IsOptional() @IsEnum(ConditionCategory) category?: ConditionCategory | null;
  @Field(() => Date, { nullable: true, description: 'Not in the future' }) @IsOptional() onsetAt?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Not before the onset; only for an inactive, remitted or resolved condition' }) @IsOptional() abatementAt?: Date | null;
  @Field(() => ID, { nullable: true, description: "The patient's encounter it was diagnosed in, if any" }) @IsOptional() @IsUUID() encounterId?: string | null;
}

/** `from`/`to` apply to recordedAt; `code` is the condition's code; `organizationId` where it was recorded. */
@ArgsType()
export class PatientConditionsArgs extends ChartListArgs {
  @Field(() => ConditionClinicalStatus, { nullable: true }) @IsOptional() @IsEnum(ConditionClinicalStatus) clinicalStatus?: ConditionClinicalStatus | null;
  @Field(() => ConditionCategory, { nullable: true }) @IsOptional() @IsEnum(ConditionCategory) category?: ConditionCategory | null;
}
