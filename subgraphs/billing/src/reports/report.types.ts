import { LocalDateScalar } from '@caregraph/platform';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money } from '../money/money';
import { Payer } from '../payer/payer.entity';
import { BillingAmounts } from '../worklist/billing-amounts';

@ObjectType({ description: "A billing report over the caller's organization's claims with service dates in from..to (every claim but drafts)" })
export class BillingReport {
  @Field(() => LocalDateScalar, { nullable: true, description: 'First service date covered (none: from the first claim)' }) from!: string | null;
  @Field(() => LocalDateScalar, { nullable: true, description: 'Last service date covered (none: up to the last claim)' }) to!: string | null;
  organizationId!: string;
}

@ObjectType({ description: 'What one payer was billed, allowed, paid and still owes, in one currency' })
export class PayerAmounts extends BillingAmounts {
  @Field(() => Payer, { nullable: true, description: 'null: claims without a payer recorded' }) payer!: Payer | null;
}

@ObjectType({ description: 'The claims of one service month, in one currency' })
export class MonthAmounts extends BillingAmounts {
  @Field({ description: 'YYYY-MM' }) month!: string;
}

@ObjectType({ description: "One denial reason's share of a payer's adjudicated claims" })
export class DenialReasonRate {
  @Field(() => String, { nullable: true, description: 'The denial reason code (e.g. CARC "CO-50"); null: denied without a reason recorded' }) code!: string | null;
  @Field(() => String, { nullable: true }) display!: string | null;
  @Field(() => Int) deniedClaims!: number;
  @Field(() => Float, { description: "deniedClaims / the payer's adjudicated claims" }) denialRate!: number;
}

@ObjectType({ description: 'How often a payer denied claims: denied claims / adjudicated claims, and why' })
export class PayerDenials {
  @Field(() => Payer, { nullable: true, description: 'null: claims without a payer recorded' }) payer!: Payer | null;
  @Field(() => Int, { description: 'Claims the payer decided (paid, partially paid or denied)' }) adjudicatedClaims!: number;
  @Field(() => Int) deniedClaims!: number;
  @Field(() => Float, { description: 'deniedClaims / adjudicatedClaims' }) denialRate!: number;
  @Field(() => [DenialReasonRate], { description: 'The denied claims by reason, most frequent first' }) reasons!: DenialReasonRate[];
}

export enum ReceivableDebtor {
  PAYER = 'PAYER',
  PATIENT = 'PATIENT',
}
registerEnumType(ReceivableDebtor, { name: 'ReceivableDebtor', description: 'Who owes an outstanding amount: a payer, or patients (their responsibility after adjudication)' });

@ObjectType({ description: 'Accounts receivable by age (days from the service date to asOf): what one payer, or patients, still owe in one currency' })
export class ReceivablesAging {
  @Field(() => ReceivableDebtor) owedBy!: ReceivableDebtor;
  @Field(() => Payer, { nullable: true, description: 'The payer that owes (owedBy PAYER; null: claims without a payer recorded); null for PATIENT' }) payer!: Payer | null;
  @Field() currency!: string;
  @Field(() => Money, { description: '0-30 days old (services after asOf count here too)' }) days0To30!: Money;
  @Field(() => Money, { description: '31-60 days old' }) days31To60!: Money;
  @Field(() => Money, { description: '61-90 days old' }) days61To90!: Money;
  @Field(() => Money, { description: 'More than 90 days old' }) over90Days!: Money;
  @Field(() => Money) total!: Money;
}
