import { randomUUID } from 'node:crypto';
import { withSql } from './principals';

/**
 * Claims and payers written straight into the billing tables (fixtures, not the behaviour under
 * test): one multi-row insert, so the claim_daily_totals trigger files them as any write would.
 */

export type SeedStatus = 'draft' | 'submitted' | 'accepted' | 'rejected' | 'adjudicated' | 'closed';
export type SeedOutcome = 'paid' | 'partially-paid' | 'denied';

export interface SeedClaim {
  id?: string;
  patientId: string;
  organizationId: string;
  payerId?: string | null;
  status: SeedStatus;
  outcome?: SeedOutcome | null;
  /** YYYY-MM-DD: the billable period starts at noon UTC that day. */
  serviceDate: string;
  /** Minor units; null: a claim without a total (and currency). */
  total?: number | null;
  currency?: string;
  allowed?: number | null;
  payerAmount?: number | null;
  patientResponsibility?: number | null;
  payerPaid?: number;
  patientPaid?: number;
  denialCode?: string | null;
  denialDisplay?: string | null;
  /** Default: the service date at 18:00 UTC for anything but drafts. */
  submittedAt?: string | null;
}

/**
 * The adjudicated amounts of an outcome, consistent with the ledger's checks: paid → allowed 80 %
 * of the total, the payer 80 % of that and the patient the rest; partially paid → the payer half
 * of allowed; denied → nothing allowed, with a reason.
 */
export function adjudication(outcome: SeedOutcome, total: number, denial: { code: string; display?: string } = { code: 'CO-50', display: 'Not medically necessary' }): Partial<SeedClaim> {
  if (outcome === 'denied') return { outcome, allowed: 0, payerAmount: 0, patientResponsibility: 0, denialCode: denial.code, denialDisplay: denial.display ?? null };
  const allowed = Math.round(total * 0.8);
  const payerAmount = outcome === 'paid' ? Math.round(allowed * 0.8) : Math.round(allowed * 0.5);
  return { outcome, allowed, payerAmount, patientResponsibility: allowed - payerAmount };
}

export async function insertClaims(databaseUrl: string, claims: readonly SeedClaim[]): Promise<string[]> {
  const rows = claims.map((claim) => {
    const total = claim.total === undefined ? 10_000 : claim.total;
    return {
      id: claim.id ?? randomUUID(),
      patient_id: claim.patientId,
      provider_organization_id: claim.organizationId,
      payer_id: claim.payerId ?? null,
      status: claim.status,
      outcome: claim.outcome ?? null,
      billable_period_start: `${claim.serviceDate}T12:00:00Z`,
      billable_period_end: `${claim.serviceDate}T13:00:00Z`,
      created_at: `${claim.serviceDate}T12:00:00Z`,
      total_minor_units: total,
      currency: total === null ? null : (claim.currency ?? 'USD'),
      allowed_minor_units: claim.allowed ?? null,
      payer_amount_minor_units: claim.payerAmount ?? null,
      patient_responsibility_minor_units: claim.patientResponsibility ?? null,
      payer_paid_minor_units: claim.payerPaid ?? 0,
      patient_paid_minor_units: claim.patientPaid ?? 0,
      denial_reason_code: claim.denialCode ?? null,
      denial_reason_display: claim.denialDisplay ?? null,
      submitted_at: claim.submittedAt !== undefined ? claim.submittedAt : claim.status === 'draft' ? null : `${claim.serviceDate}T18:00:00Z`,
    };
  });
  await withSql(databaseUrl, (sql) => sql(`
    insert into billing.claim (id, patient_id, provider_organization_id, payer_id, status, outcome, type_code, billable_period_start, billable_period_end,
      created_at, total_minor_units, currency, allowed_minor_units, payer_amount_minor_units, patient_responsibility_minor_units,
      payer_paid_minor_units, patient_paid_minor_units, denial_reason_code, denial_reason_display, submitted_at)
    select id, patient_id, provider_organization_id, payer_id, status, outcome, 'professional', billable_period_start, billable_period_end,
      created_at, total_minor_units, currency, allowed_minor_units, payer_amount_minor_units, patient_responsibility_minor_units,
      payer_paid_minor_units, patient_paid_minor_units, denial_reason_code, denial_reason_display, submitted_at
    from jsonb_to_recordset($1::jsonb) as r(id uuid, patient_id uuid, provider_organization_id uuid, payer_id uuid, status text, outcome text,
      billable_period_start timestamptz, billable_period_end timestamptz, created_at timestamptz, total_minor_units bigint, currency text,
      allowed_minor_units bigint, payer_amount_minor_units bigint, patient_responsibility_minor_units bigint, payer_paid_minor_units bigint,
      patient_paid_minor_units bigint, denial_reason_code text, denial_reason_display text, submitted_at timestamptz)`, [JSON.stringify(rows)]));
  return rows.map((row) => row.id);
}

export async function insertPayer(databaseUrl: string, name = `Test Payer ${randomUUID().slice(0, 8)}`, kind: 'insurer' | 'self-pay' = 'insurer'): Promise<string> {
  const id = randomUUID();
  await withSql(databaseUrl, (sql) => sql(`insert into billing.payer (id, name, kind) values ($1, $2, $3)`, [id, name, kind]));
  return id;
}

/** The day `days` before `day` (YYYY-MM-DD, UTC). */
export function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/** Minor units (as text) as the decimal string Money shows for a two-decimal currency (USD, EUR). */
export function decimal(minor: string | number | bigint): string {
  const value = BigInt(minor);
  const digits = (value < 0n ? -value : value).toString().padStart(3, '0');
  return `${value < 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
