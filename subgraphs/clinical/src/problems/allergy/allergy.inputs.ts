import { CodingInput, Nested } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsOptional, IsUUID } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import {
  AllergyCategory, AllergyClinicalStatus, AllergyCriticality, AllergyReactionSeverity, AllergyType, AllergyVerificationStatus,
} from './allergy.entity';

@InputType('AllergyIntoleranceReactionInput', { description: 'One reaction the patient had' })
export class AllergyReactionInput {
  @Field(() => [CodingInput], { description: 'Its clinical signs (SNOMED CT), at least one' })
  @ArrayMinSize(1) @ArrayMaxSize(20) @Nested(() => CodingInput) manifestations!: CodingInput[];
  @Field(() => AllergyReactionSeverity, { nullable: true }) @IsOptional() @IsEnum(AllergyReactionSeverity) severity?: AllergyReactionSeverity | null;
}

@InputType({ description: "An allergy or intolerance as a clinician records it on the patient's chart (for the caller's organization)" })
export class RecordAllergyIntoleranceInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => CodingInput, { description: 'The substance: SNOMED CT (http://snomed.info/sct) or RxNorm (http://www.nlm.nih.gov/research/umls/rxnorm)' })
  @Nested(() => CodingInput) code!: CodingInput;
  @Field(() => AllergyClinicalStatus, { nullable: true, description: 'Required unless the verification status is ENTERED_IN_ERROR (then left out)' })
  @IsOptional() @IsEnum(AllergyClinicalStatus) clinicalStatus?: AllergyClinicalStatus | null;
  @Field(() => AllergyVerificationStatus, { nullable: true }) @IsOptional() @IsEnum(AllergyVerificationStatus) verificationStatus?: AllergyVerificationStatus | null;
  @Field(() => AllergyType, { nullable: true }) @IsOptional() @IsEnum(AllergyType) type?: AllergyType | null;
  @Field(() => [AllergyCategory]) @ArrayMaxSize(4) @IsEnum(AllergyCategory, { each: true }) categories: AllergyCategory[] = [];
  @Field(() => AllergyCriticality, { nullable: true }) @IsOptional() @IsEnum(AllergyCriticality) criticality?: AllergyCriticality | null;
  @Field(() => [AllergyReactionInput]) @ArrayMaxSize(20) @Nested(() => AllergyReactionInput) reactions: AllergyReactionInput[] = [];
  @Field(() => Date, { nullable: true, description: 'When it was first identified; not in the future' }) @IsOptional() onsetAt?: Date | null;
  @Field(() => ID, { nullable: true, description: "The patient's encounter it was recorded in, if any" }) @IsOptional() @IsUUID() encounterId?: string | null;
}

/** `from`/`to` apply to recordedAt; `code` is the substance's code; `organizationId` where it was recorded. */
@ArgsType()
export class PatientAllergiesArgs extends ChartListArgs {
  @Field(() => AllergyClinicalStatus, { nullable: true }) @IsOptional() @IsEnum(AllergyClinicalStatus) clinicalStatus?: AllergyClinicalStatus | null;
  @Field(() => AllergyCategory, { nullable: true, description: 'Only allergies of this category (among others)' }) @IsOptional() @IsEnum(AllergyCategory) category?: AllergyCategory | null;
}
