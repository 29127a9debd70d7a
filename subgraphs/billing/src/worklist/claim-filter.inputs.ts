import { LocalDateScalar, Nested } from '@caregraph/platform';
import { ArrayMaxSize, IsEnum, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { ClaimOutcome, ClaimStatus } from '../claim/claim.entity';

/** Most values one list filter (statuses, payers, reasons) takes. */
export const MAX_FILTER_VALUES = 50;

export enum ClaimSortField {
  SERVICE_DATE = 'SERVICE_DATE',
  TOTAL = 'TOTAL',
  OUTSTANDING = 'OUTSTANDING',
  SUBMITTED_AT = 'SUBMITTED_AT',
}
registerEnumType(ClaimSortField, {
  name: 'ClaimSortField',
  description: 'What a claims list is sorted by (ties in claim id order, same direction); claims without the value (no total, never submitted) come last either way',
  valuesConfig: {
    SERVICE_DATE: { description: 'The service date: UTC day of the billable period start (of creation when there is none)' },
    TOTAL: { description: 'The billed total, in minor units (currencies are not converted)' },
    OUTSTANDING: { description: 'What payer and patient still owe together, in minor units' },
    SUBMITTED_AT: { description: 'When the claim was submitted' },
  },
});

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

export enum ClaimAmountKind {
  TOTAL = 'TOTAL',
  OUTSTANDING = 'OUTSTANDING',
}
registerEnumType(ClaimAmountKind, { name: 'ClaimAmountKind', description: 'Which amount of a claim a range applies to: the billed total or what is still owed (payer and patient)' });

const DECIMAL = /^-?\d+(\.\d+)?$/;

@InputType({ description: 'Claims whose total (or outstanding amount) in one currency lies within min..max, both inclusive and optional' })
export class ClaimAmountRange {
  @Field(() => ClaimAmountKind, { defaultValue: ClaimAmountKind.TOTAL })
  @IsEnum(ClaimAmountKind)
  of: ClaimAmountKind = ClaimAmountKind.TOTAL;

  @Field({ description: 'ISO 4217 code: only claims in this currency match' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency!: string;

  @Field(() => String, { nullable: true, description: 'Decimal string, e.g. "100.00"' })
  @IsOptional() @Matches(DECIMAL, { message: 'min must be a decimal amount, e.g. "100.00"' })
  min?: string | null;

  @Field(() => String, { nullable: true, description: 'Decimal string, e.g. "2500.00"' })
  @IsOptional() @Matches(DECIMAL, { message: 'max must be a decimal amount, e.g. "2500.00"' })
  max?: string | null;
}

/**
 * Which of the organization's claims a worklist, its totals and the CSV export cover. Every
 * condition given must hold; a list matches any of its values; an empty list is no condition.
 */
@InputType({ description: "Which of the caller's organization's claims to list: every condition given must hold; a list matches any of its values" })
export class ClaimFilter {
  @Field(() => [ClaimStatus], { nullable: true })
  @IsOptional() @ArrayMaxSize(MAX_FILTER_VALUES) @IsEnum(ClaimStatus, { each: true })
  status?: ClaimStatus[] | null;

  @Field(() => [ID], { nullable: true, description: 'Payers billed' })
  @IsOptional() @ArrayMaxSize(MAX_FILTER_VALUES) @IsUUID('all', { each: true })
  payerId?: string[] | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'First service date (inclusive)' })
  @IsOptional() @IsString()
  serviceFrom?: string | null;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Last service date (inclusive)' })
  @IsOptional() @IsString()
  serviceTo?: string | null;

  @Field(() => ID, { nullable: true, description: "The billing organization: the caller's own (the default); any other is FORBIDDEN" })
  @IsOptional() @IsUUID()
  providerOrganizationId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional() @IsUUID()
  patientId?: string | null;

  @Field(() => ClaimAmountRange, { nullable: true })
  @IsOptional() @Nested(() => ClaimAmountRange)
  amount?: ClaimAmountRange | null;

  @Field(() => [String], { nullable: true, description: 'Denial reason codes (e.g. CARC "CO-50")' })
  @IsOptional() @ArrayMaxSize(MAX_FILTER_VALUES) @IsString({ each: true }) @MaxLength(64, { each: true })
  denialReasonCode?: string[] | null;

  @Field(() => [ClaimOutcome], { nullable: true, description: 'What adjudication decided (claims not adjudicated yet have none)' })
  @IsOptional() @ArrayMaxSize(MAX_FILTER_VALUES) @IsEnum(ClaimOutcome, { each: true })
  outcome?: ClaimOutcome[] | null;
}

@InputType({ description: 'How a claims list is sorted' })
export class ClaimOrder {
  @Field(() => ClaimSortField, { defaultValue: ClaimSortField.SERVICE_DATE })
  @IsEnum(ClaimSortField)
  field: ClaimSortField = ClaimSortField.SERVICE_DATE;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  @IsEnum(SortDirection)
  direction: SortDirection = SortDirection.DESC;
}
