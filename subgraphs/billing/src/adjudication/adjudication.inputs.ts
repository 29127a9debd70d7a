import { CodingInput, Nested, PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { MAX_CLAIM_ITEMS } from '../claim/claim-write.inputs';
import { MoneyInput } from '../money/money-input';

@InputType({ description: 'What the payer decided for one claim line; payerAmount + patientResponsibility = allowed ≤ the line\'s net' })
export class AdjudicationLineInput {
  @Field(() => Int, { description: 'The claim line (its sequence)' }) @IsInt() @Min(1) @Max(999) sequence!: number;

  @Field(() => MoneyInput, { description: 'What the payer allows for the line: at most its net (the rest is the contractual adjustment)' })
  @Nested(() => MoneyInput)
  allowed!: MoneyInput;

  @Field(() => MoneyInput, { description: 'What the payer pays' })
  @Nested(() => MoneyInput)
  payerAmount!: MoneyInput;

  @Field(() => MoneyInput, { description: 'Deductible, coinsurance and copay: what the patient owes' })
  @Nested(() => MoneyInput)
  patientResponsibility!: MoneyInput;

  @Field(() => CodingInput, { nullable: true, description: 'Why the line was denied or reduced, e.g. CARC CO-50 (system https://x12.org/codes/claim-adjustment-reason-codes); required when allowed is 0' })
  @IsOptional() @Nested(() => CodingInput)
  denialReason?: CodingInput | null;
}

@InputType({ description: "A payer's adjudication of a SUBMITTED or ACCEPTED claim: every line that bills an amount, once" })
export class AdjudicateClaimInput {
  @Field(() => ID) @IsUUID() claimId!: string;

  @Field(() => Date, { nullable: true, description: 'When the payer adjudicated it (default: now); not in the future, not before the claim was submitted' })
  adjudicatedAt?: Date | null;

  @Field(() => [AdjudicationLineInput])
  @ArrayMinSize(1) @ArrayMaxSize(MAX_CLAIM_ITEMS) @Nested(() => AdjudicationLineInput)
  lines!: AdjudicationLineInput[];
}

/** A patient's explanations of benefit, newest first. */
@ArgsType()
export class PatientExplanationsOfBenefitArgs extends PageArgs {}
