import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Claim } from '../claim/claim.entity';
import type { BillingContext } from '../context';
import { Money, toMoney } from '../money/money';
import { Payer } from '../payer/payer.entity';
import { PatientRef } from '../stubs';
import { Payment, PaymentSource } from './payment.entity';
import { RecordPaymentInput } from './payment.inputs';
import { PaymentService } from './payment.service';

@ObjectType({ description: 'What recordPayment did: recorded the payment now, or returned the one recorded earlier under the same key' })
export class PaymentRecording {
  @Field(() => Payment) payment!: Payment;
  @Field({ description: 'true: this key was used before with the same payment; nothing new was written' }) replayed!: boolean;
}

@ObjectType('PaymentAllocation', { description: 'The part of a payment applied to one claim' })
export class PaymentAllocationView {
  claimId!: string;
  @Field(() => Money) amount!: Money;
}

@ObjectType({ description: 'A payment as applied to one claim: who paid, when, and how much of it went to this claim' })
export class ClaimPayment {
  @Field(() => ID) paymentId!: string;
  @Field(() => PaymentSource) source!: PaymentSource;
  payerId!: string | null;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => Money, { description: 'The amount applied to this claim' }) amount!: Money;
  @Field(() => String, { nullable: true, description: 'Check number, remittance id, ...' }) reference!: string | null;
}

@Resolver(() => Payment)
export class PaymentResolver {
  @Mutation(() => PaymentRecording, {
    description: 'Records money received from a payer (payerId) or a patient (patientId), applied to ADJUDICATED claims of the caller\'s organization: the allocations sum to amount, '
      + "each at most what that side still owes (BAD_USER_INPUT on allocations[i].amount otherwise); a payer's payment only to claims billed to it. Raises each claim's paid amount in the same transaction. "
      + 'Retry-safe with idempotencyKey. Billing staff, or partner apps with system/Claim.u.',
  })
  recordPayment(@Arg('input', () => RecordPaymentInput) input: RecordPaymentInput, @Ctx() ctx: BillingContext): Promise<PaymentRecording> {
    return PaymentService.of(ctx).record(input);
  }

  @FieldResolver(() => Money)
  amount(@Root() payment: Payment): Money {
    return toMoney(payment.amountMinorUnits, payment.currency);
  }

  @FieldResolver(() => Payer, { nullable: true, description: 'The paying payer (source PAYER)' })
  payer(@Root() payment: Payment, @Ctx() ctx: BillingContext): Promise<Payer | null> | null {
    return payment.payerId ? ctx.loaders.payer.load(payment.payerId) : null;
  }

  @FieldResolver(() => PatientRef, { nullable: true, description: 'The paying patient (source PATIENT)' })
  patient(@Root() payment: Payment): PatientRef | null {
    return payment.patientId ? { id: payment.patientId } : null;
  }

  @FieldResolver(() => [PaymentAllocationView])
  async allocations(@Root() payment: Payment, @Ctx() ctx: BillingContext): Promise<PaymentAllocationView[]> {
    const rows = await PaymentService.of(ctx).allocations.load(payment.id);
    return rows.map((row) => ({ claimId: row.claimId, amount: toMoney(row.amountMinorUnits, payment.currency) }));
  }
}

@Resolver(() => PaymentAllocationView)
export class PaymentAllocationResolver {
  @FieldResolver(() => Claim, { nullable: true, description: 'The claim (null where the caller may not see it)' })
  claim(@Root() allocation: PaymentAllocationView, @Ctx() ctx: BillingContext): Promise<Claim | null> {
    return ctx.loaders.claim.load(allocation.claimId);
  }
}

@Resolver(() => ClaimPayment)
export class ClaimPaymentResolver {
  @FieldResolver(() => Payer, { nullable: true, description: 'The paying payer (source PAYER)' })
  payer(@Root() applied: ClaimPayment, @Ctx() ctx: BillingContext): Promise<Payer | null> | null {
    return applied.payerId ? ctx.loaders.payer.load(applied.payerId) : null;
  }
}
