import { Field, Int, ObjectType } from 'type-graphql';
import { Money, toMoney } from '../money/money';

/**
 * The sums every total and report shows, in one currency. What they add up is what
 * claim_daily_totals adds up per claim (see the ledger migration), so a total read from the
 * summary and one computed over the claims agree to the minor unit.
 */
@ObjectType({ description: 'Sums over a set of claims in one currency' })
export class BillingAmounts {
  @Field({ description: 'ISO 4217 code' }) currency!: string;
  @Field(() => Int) claims!: number;
  @Field(() => Money, { description: 'Claim totals' }) billed!: Money;
  @Field(() => Money, { description: 'What payers allowed (adjudicated claims)' }) allowed!: Money;
  @Field(() => Money, { description: 'Payments applied, from payers and patients' }) paid!: Money;
  @Field(() => Money, { description: 'What payers still owe' }) payerOutstanding!: Money;
  @Field(() => Money, { description: 'What patients still owe' }) patientOutstanding!: Money;
  @Field(() => Money, { description: 'payerOutstanding + patientOutstanding' }) outstanding!: Money;
}

/** The sums over claim_daily_totals rows (alias t); bigint sums as text, never through a float. */
export const SUMMARY_SUMS = `sum(t."claim_count")::text as "claims", sum(t."billed_minor_units")::text as "billed",
  sum(t."allowed_minor_units")::text as "allowed", sum(t."paid_minor_units")::text as "paid",
  sum(t."payer_outstanding_minor_units")::text as "payer_outstanding", sum(t."patient_outstanding_minor_units")::text as "patient_outstanding"`;

/** The same sums over claims (alias c), each claim counted as billing.claim_daily_totals_add counts it. */
export const CLAIM_SUMS = `count(*)::text as "claims", sum(coalesce(c."total_minor_units", 0))::text as "billed",
  sum(coalesce(c."allowed_minor_units", 0))::text as "allowed", sum(c."payer_paid_minor_units" + c."patient_paid_minor_units")::text as "paid",
  sum(c."payer_outstanding_minor_units")::text as "payer_outstanding", sum(c."patient_outstanding_minor_units")::text as "patient_outstanding"`;

/** A claim's currency as the summary files it (claims without a total count as USD zero). */
export const CLAIM_CURRENCY = `coalesce(c."currency", 'USD')`;

/** One result row of SUMMARY_SUMS or CLAIM_SUMS. */
export interface SumsRow {
  currency: string;
  claims: string;
  billed: string;
  allowed: string;
  paid: string;
  payer_outstanding: string;
  patient_outstanding: string;
}

export function toBillingAmounts(row: SumsRow): BillingAmounts {
  const { currency } = row;
  const payerOutstanding = BigInt(row.payer_outstanding);
  const patientOutstanding = BigInt(row.patient_outstanding);
  return {
    currency,
    claims: Number(row.claims),
    billed: toMoney(BigInt(row.billed), currency),
    allowed: toMoney(BigInt(row.allowed), currency),
    paid: toMoney(BigInt(row.paid), currency),
    payerOutstanding: toMoney(payerOutstanding, currency),
    patientOutstanding: toMoney(patientOutstanding, currency),
    outstanding: toMoney(payerOutstanding + patientOutstanding, currency),
  };
}
