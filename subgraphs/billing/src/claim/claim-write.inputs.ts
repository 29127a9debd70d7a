import { CodingInput, Nested } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { IsIdempotencyKey } from '../idempotency/idempotency';
import { MoneyInput } from '../money/money-input';
import { ClaimStatus } from './claim.entity';

/** FHIR claim-type codes (http://terminology.hl7.org/CodeSystem/claim-type). */
export const CLAIM_TYPE_CODES = ['institutional', 'professional', 'pharmacy', 'oral', 'vision'] as const;

/** Most lines and diagnoses one claim may carry. */
export const MAX_CLAIM_ITEMS = 200;
export const MAX_CLAIM_DIAGNOSES = 50;

@InputType({ description: 'The period the claim bills for' })
export class BillablePeriodInput {
  @Field(() => Date, { description: 'Start of the service; not in the future' }) start!: Date;
  @Field(() => Date, { nullable: true, description: 'End of the service; not before start' }) end?: Date | null;
}

@InputType({ description: 'A diagnosis on a claim: an ICD-10-CM or SNOMED CT code, or the Condition (clinical subgraph) it refers to; exactly one of them' })
export class ClaimDiagnosisInput {
  @Field(() => Int, { description: 'Its position, 1-99, unique on the claim' }) @IsInt() @Min(1) @Max(99) sequence!: number;

  @Field(() => CodingInput, { nullable: true, description: 'system http://hl7.org/fhir/sid/icd-10-cm (e.g. E11.9) or http://snomed.info/sct (e.g. 44054006)' })
  @IsOptional() @Nested(() => CodingInput)
  code?: CodingInput | null;

  @Field(() => ID, { nullable: true, description: 'A Condition id instead of a code (kept as a reference only)' })
  @IsOptional() @IsUUID()
  conditionId?: string | null;
}

@InputType({ description: 'A line of a claim. net is quantity × unitPrice (rounded half up to the currency\'s minor unit) when unitPrice is given' })
export class ClaimItemInput {
  @Field(() => Int, { description: 'Its position, 1-999, unique on the claim (adjudication refers to lines by it)' }) @IsInt() @Min(1) @Max(999) sequence!: number;

  @Field(() => CodingInput, { description: 'What was provided: a code with its system (CPT, HCPCS, SNOMED CT, CVX, ...)' })
  @Nested(() => CodingInput)
  productOrService!: CodingInput;

  @Field(() => String, { nullable: true, description: 'A positive decimal string ("1", "2.5"), at most 4 decimals; 1 when null' })
  @IsOptional() @IsString() @MaxLength(20)
  quantity?: string | null;

  @Field(() => MoneyInput, { nullable: true, description: 'Price of one unit' })
  @IsOptional() @Nested(() => MoneyInput)
  unitPrice?: MoneyInput | null;

  @Field(() => MoneyInput, { description: 'What the line bills; the lines sum to the claim total' })
  @Nested(() => MoneyInput)
  net!: MoneyInput;
}

@InputType({ description: 'A claim as the provider organization bills it; every amount in the currency of total' })
export class ClaimInput {
  @Field(() => ID) @IsUUID() patientId!: string;

  @Field(() => ID, { nullable: true, description: 'The clinical Encounter billed (kept as a reference only)' })
  @IsOptional() @IsUUID()
  encounterId?: string | null;

  @Field(() => ID, { nullable: true, description: "The patient's Coverage billed; sets the claim's payer. Null: self-pay" })
  @IsOptional() @IsUUID()
  coverageId?: string | null;

  @Field({ description: `FHIR claim type: ${CLAIM_TYPE_CODES.join(', ')}` })
  @IsIn(CLAIM_TYPE_CODES, { message: `typeCode must be one of ${CLAIM_TYPE_CODES.join(', ')}` })
  typeCode!: string;

  @Field(() => BillablePeriodInput) @Nested(() => BillablePeriodInput) billablePeriod!: BillablePeriodInput;

  @Field(() => [ClaimDiagnosisInput], { nullable: true, description: `At most ${MAX_CLAIM_DIAGNOSES}` })
  @IsOptional() @ArrayMaxSize(MAX_CLAIM_DIAGNOSES) @Nested(() => ClaimDiagnosisInput)
  diagnoses?: ClaimDiagnosisInput[] | null;

  @Field(() => [ClaimItemInput], { description: `1-${MAX_CLAIM_ITEMS} lines` })
  @ArrayMinSize(1) @ArrayMaxSize(MAX_CLAIM_ITEMS) @Nested(() => ClaimItemInput)
  items!: ClaimItemInput[];

  @Field(() => MoneyInput, { description: 'The sum of the lines\' net, more than zero' })
  @Nested(() => MoneyInput)
  total!: MoneyInput;
}

@InputType({ description: 'A claim created and submitted in one step, under a key that makes retries safe' })
export class SubmitClaimInput {
  @Field({ description: 'Your key for this submission (1-200 visible ASCII characters, e.g. a UUID), unique per organization: the same key with the same claim returns the claim first submitted; with another claim, CONFLICT' })
  @IsIdempotencyKey()
  idempotencyKey!: string;

  @Field(() => ClaimInput) @Nested(() => ClaimInput) claim!: ClaimInput;
}

@InputType({ description: 'Moves a claim along its lifecycle (adjudication has its own mutation)' })
export class TransitionClaimInput {
  @Field(() => ID) @IsUUID() claimId!: string;

  @Field(() => ClaimStatus, { description: 'DRAFT → SUBMITTED; SUBMITTED → ACCEPTED or REJECTED; REJECTED → CLOSED; ADJUDICATED → CLOSED (writes off what is still owed)' })
  @IsEnum(ClaimStatus)
  to!: ClaimStatus;

  @Field(() => String, { nullable: true, description: 'Why, up to 500 characters; required for REJECTED' })
  @IsOptional() @IsString() @MaxLength(500)
  reason?: string | null;
}
