import { Nested } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsEnum, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { IsIdempotencyKey } from '../idempotency/idempotency';
import { MoneyInput } from '../money/money-input';
import { PaymentSource } from './payment.entity';

/** Most claims one payment may be applied to (a payer's remittance covers many). */
export const MAX_PAYMENT_ALLOCATIONS = 500;

@InputType({ description: 'The part of a payment applied to one claim' })
export class PaymentAllocationInput {
  @Field(() => ID) @IsUUID() claimId!: string;

  @Field(() => MoneyInput, { description: 'More than zero, at most what the paying side still owes on the claim' })
  @Nested(() => MoneyInput)
  amount!: MoneyInput;
}

@InputType({ description: 'Money received from a payer or a patient, applied to ADJUDICATED claims of the caller\'s organization; the allocations sum to amount' })
export class RecordPaymentInput {
  @Field(() => PaymentSource) @IsEnum(PaymentSource) source!: PaymentSource;

  @Field(() => ID, { nullable: true, description: 'The paying payer (source PAYER only): every claim must be billed to it' })
  @IsOptional() @IsUUID()
  payerId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The paying patient (source PATIENT only): every claim must be theirs' })
  @IsOptional() @IsUUID()
  patientId?: string | null;

  @Field(() => MoneyInput, { description: 'More than zero' }) @Nested(() => MoneyInput) amount!: MoneyInput;

  @Field(() => Date, { description: 'When the money was received; not in the future' }) receivedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Check number, remittance id, ... (up to 100 characters)' })
  @IsOptional() @IsString() @MaxLength(100)
  reference?: string | null;

  @Field(() => String, { nullable: true, description: 'Your key for this payment: the same key with the same payment returns the first one (replayed), with another payment CONFLICT' })
  @IsOptional() @IsIdempotencyKey()
  idempotencyKey?: string | null;

  @Field(() => [PaymentAllocationInput], { description: `1-${MAX_PAYMENT_ALLOCATIONS} claims, each once` })
  @ArrayMinSize(1) @ArrayMaxSize(MAX_PAYMENT_ALLOCATIONS) @Nested(() => PaymentAllocationInput)
  allocations!: PaymentAllocationInput[];
}
