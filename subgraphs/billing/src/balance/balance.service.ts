import { perRequest } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { Field, Int, ObjectType } from 'type-graphql';
import { validate as isUuid } from 'uuid';
import { billingReader, type BillingReader } from '../claim/billing-access';
import type { BillingContext } from '../context';
import { Money, toMoney } from '../money/money';

@ObjectType({ description: "What is still owed on a patient's claims, per currency (lists are empty when nothing is owed)" })
export class PatientBalance {
  @Field(() => [Money], { description: 'What the patient owes: their share of adjudicated claims and their self-pay claims, less what they paid' })
  patientOwes!: Money[];

  @Field(() => [Money], { description: 'What insurers still owe: claims not yet adjudicated, and adjudicated payer amounts not yet paid' })
  insuranceOwes!: Money[];

  @Field(() => [Money], { description: 'Both together' })
  total!: Money[];

  @Field(() => Int, { description: 'Claims with something outstanding' })
  openClaims!: number;
}

interface BalanceRow {
  patient_id: string;
  currency: string;
  patient_owes: string;
  insurance_owes: string;
  open_claims: number;
}

const EMPTY: PatientBalance = { patientOwes: [], insuranceOwes: [], total: [], openClaims: 0 };

function balanceOf(rows: readonly BalanceRow[]): PatientBalance {
  if (!rows.length) return EMPTY;
  const amounts = (pick: (row: BalanceRow) => bigint) => rows.map((row) => ({ row, minor: pick(row) })).filter(({ minor }) => minor !== 0n).map(({ row, minor }) => toMoney(minor, row.currency));
  return {
    patientOwes: amounts((row) => BigInt(row.patient_owes)),
    insuranceOwes: amounts((row) => BigInt(row.insurance_owes)),
    total: amounts((row) => BigInt(row.patient_owes) + BigInt(row.insurance_owes)),
    openClaims: rows.reduce((count, row) => count + Number(row.open_claims), 0),
  };
}

/**
 * Patient.balance: sums of the claims' generated outstanding columns, in SQL. What a payer of kind
 * self-pay (or no payer) still owes is the patient's. The patient sees everything they owe;
 * billing staff and partner apps (system/Claim.read) what is owed to their organization, for the
 * patients the access policy opens to them.
 */
export class BalanceService {
  static of(ctx: BillingContext): BalanceService {
    return perRequest(ctx, BalanceService, () => new BalanceService(ctx));
  }

  private readonly reader: BillingReader | null;

  private constructor(private readonly ctx: BillingContext) {
    this.reader = billingReader(ctx.principal, 'Claim');
  }

  /** The balances of every patient a request asks about, in one statement. */
  private readonly byPatient = new DataLoader<string, PatientBalance>(async (patientIds) => {
    const organizationId = this.reader?.organizationId ?? null;
    const rows = await this.ctx.em.execute<BalanceRow[]>(
      `select c."patient_id", c."currency",
              sum(c."patient_outstanding_minor_units" + case when p."kind" = 'insurer' then 0 else c."payer_outstanding_minor_units" end)::text as "patient_owes",
              sum(case when p."kind" = 'insurer' then c."payer_outstanding_minor_units" else 0 end)::text as "insurance_owes",
              count(*)::int as "open_claims"
         from "billing"."claim" c left join "billing"."payer" p on p."id" = c."payer_id"
        where c."patient_id" = any(?::uuid[]) and c."outstanding_minor_units" <> 0
          and (?::uuid is null or c."provider_organization_id" = ?::uuid)
        group by 1, 2 order by 1, 2`,
      [`{${patientIds.join(',')}}`, organizationId, organizationId],
    );
    return patientIds.map((id) => balanceOf(rows.filter((row) => row.patient_id === id)));
  });

  /** null when the caller may not see the patient's billing record (like an unknown patient). */
  async forPatient(patientId: string): Promise<PatientBalance | null> {
    if (!isUuid(patientId)) return null;
    const id = patientId.toLowerCase();
    if (!this.reader) {
      this.ctx.access.audit.noteDenied(id, 'PatientBalance');
      return null;
    }
    if (!(await this.ctx.access.check(id, 'billing', 'PatientBalance'))) return null;
    const balance = await this.byPatient.load(id);
    this.ctx.access.noteRead(id, 'billing', 'PatientBalance', 1);
    return balance;
  }
}
