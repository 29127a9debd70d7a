import { perRequest, type RequestContext } from '@caregraph/platform';
import { toMoney } from '../money/money';
import { Payer } from '../payer/payer.entity';
import { NO_PAYER_ID } from '../migrations/Migration20261129000100_ledger';
import { SUMMARY_SUMS, toBillingAmounts, type SumsRow } from '../worklist/billing-amounts';
import { billingOrganizationOf } from '../worklist/billing-reader';
import { allOf, checkedDay, checkedRange, type Sql } from '../worklist/claim-query';
import { BillingReport, MonthAmounts, PayerAmounts, PayerDenials, ReceivableDebtor, ReceivablesAging } from './report.types';
import { monthStartBefore, summaryRows } from './summary-rows';

/** Ages (days since the service date) up to which each receivables bucket reaches; older is over 90. */
export const AGING_BUCKETS = [30, 60, 90] as const;

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Billing reports over the claim summaries (organization × payer × service day or month × status
 * × outcome × denial reason × currency, kept by trigger): every statement reads one
 * organization's whole months from claim_monthly_totals and the days at the edges of the range
 * from claim_daily_totals, by primary key, and sums (summary-rows.ts), so a report costs what the
 * months and payers asked about cost, not what the claims do. Amounts are what the ledger migration sums per claim; drafts (not
 * sent to anyone) are left out.
 *
 * Dates are service dates throughout, the day the summary is keyed by: "denied last month" is
 * the denied claims for last month's services, and a receivable's age counts from its service
 * date (not from submission: the summary does not know it, and payers' timely-filing limits
 * count from the service date too).
 */
export class BillingReportService {
  static of(ctx: RequestContext): BillingReportService {
    return perRequest(ctx, BillingReportService, () => new BillingReportService(ctx));
  }

  private constructor(private readonly ctx: RequestContext) {}

  /** A report of the caller's organization over service dates from..to (each optional). */
  open(from: string | null | undefined, to: string | null | undefined): BillingReport {
    const organizationId = billingOrganizationOf(this.ctx.principal, "read their organization's billing reports");
    return Object.assign(new BillingReport(), { organizationId, ...checkedRange(from, to, 'from', 'to') });
  }

  async byPayer(report: BillingReport): Promise<PayerAmounts[]> {
    const source = this.summary(report);
    const rows = await this.rows<SumsRow & { payer_id: string }>(`select t."payer_id", t."currency", ${SUMMARY_SUMS}
      from ${source.text} t
      group by t."payer_id", t."currency" having sum(t."claim_count") <> 0`, source.params);
    const payers = await this.payers(rows.map((row) => row.payer_id));
    return byPayerName(rows.map((row) => ({ ...toBillingAmounts(row), payer: payers.get(row.payer_id) ?? null })), (row) => row.currency);
  }

  async byMonth(report: BillingReport): Promise<MonthAmounts[]> {
    const source = this.summary(report);
    // months as timestamps while grouping (no time zone to apply per row), as text once per month
    const rows = await this.rows<SumsRow & { month: string }>(`select to_char("month", 'YYYY-MM') as "month", "currency", "claims", "billed", "allowed", "paid", "payer_outstanding", "patient_outstanding"
      from (select date_trunc('month', t."day"::timestamp) as "month", t."currency", ${SUMMARY_SUMS}
            from ${source.text} t
            group by 1, 2 having sum(t."claim_count") <> 0) as months
      order by 1, 2`, source.params);
    return rows.map((row) => ({ ...toBillingAmounts(row), month: row.month }));
  }

  /** Per payer: denied claims / adjudicated claims, and the denied claims by reason (with the reason's latest display). */
  async denials(report: BillingReport): Promise<PayerDenials[]> {
    const source = this.summary(report, `t."outcome" <> ''`);
    const rows = await this.rows<{ payer_id: string; reason: string | null; claims: string }>(`select t."payer_id",
        case when t."outcome" = 'denied' then t."denial_reason_code" end as "reason", sum(t."claim_count")::text as "claims"
      from ${source.text} t
      group by 1, 2 having sum(t."claim_count") <> 0`, source.params);
    const [payers, displays] = await Promise.all([this.payers(rows.map((row) => row.payer_id)), this.reasonDisplays(report.organizationId, rows.flatMap((row) => row.reason || []))]);
    const byPayer = new Map<string, PayerDenials>();
    for (const row of rows) {
      let entry = byPayer.get(row.payer_id);
      if (!entry) byPayer.set(row.payer_id, (entry = { payer: payers.get(row.payer_id) ?? null, adjudicatedClaims: 0, deniedClaims: 0, denialRate: 0, reasons: [] }));
      const claims = Number(row.claims);
      entry.adjudicatedClaims += claims;
      if (row.reason === null) continue;
      entry.deniedClaims += claims;
      const code = row.reason || null; // '' in the summary: denied without a reason
      entry.reasons.push({ code, display: code ? (displays.get(code) ?? null) : null, deniedClaims: claims, denialRate: 0 });
    }
    const entries = [...byPayer.values()];
    for (const entry of entries) {
      entry.denialRate = entry.deniedClaims / entry.adjudicatedClaims;
      for (const reason of entry.reasons) reason.denialRate = reason.deniedClaims / entry.adjudicatedClaims;
      entry.reasons.sort((a, b) => b.deniedClaims - a.deniedClaims || (a.code ?? '').localeCompare(b.code ?? ''));
    }
    return byPayerName(entries, () => '');
  }

  /**
   * What payers (one row per payer and currency) and patients (one row per currency) still owe,
   * by days from the service date to `asOf` (default today, UTC): 0-30, 31-60, 61-90, over 90.
   * The amounts are what is owed now; asOf only sets the age.
   */
  async aging(report: BillingReport, asOf: string | null | undefined): Promise<ReceivablesAging[]> {
    const reference = checkedDay(asOf, 'asOf') ?? today();
    const [to30, to60, to90] = AGING_BUCKETS;
    // days of the last 90 (and later) keep their day; every month before is over 90 days as a whole
    const source = this.summary(report, `(t."payer_outstanding_minor_units" <> 0 or t."patient_outstanding_minor_units" <> 0)`, monthStartBefore(reference, to90));
    const buckets = (column: string) => `coalesce(sum(${column}) filter (where "age" <= ${to30}), 0)::text as "${column}_${to30}",
      coalesce(sum(${column}) filter (where "age" > ${to30} and "age" <= ${to60}), 0)::text as "${column}_${to60}",
      coalesce(sum(${column}) filter (where "age" > ${to60} and "age" <= ${to90}), 0)::text as "${column}_${to90}",
      coalesce(sum(${column}) filter (where "age" > ${to90}), 0)::text as "${column}_older"`;
    const rows = await this.rows<Record<string, string> & { payer_id: string; currency: string; claims: string }>(`select "payer_id", "currency", ${buckets('payer')}, ${buckets('patient')},
        sum("claims")::text as "claims"
      from (select t."payer_id", t."currency", ?::date - t."day" as "age", t."claim_count" as "claims",
              t."payer_outstanding_minor_units" as "payer", t."patient_outstanding_minor_units" as "patient"
            from ${source.text} t) as outstanding
      group by 1, 2`, [reference, ...source.params]);
    const payers = await this.payers(rows.map((row) => row.payer_id));
    const agingOf = (row: Record<string, string>, column: string, currency: string) => {
      const amounts = [`${column}_${to30}`, `${column}_${to60}`, `${column}_${to90}`, `${column}_older`].map((key) => BigInt(row[key]));
      const [days0To30, days31To60, days61To90, over90Days] = amounts.map((amount) => toMoney(amount, currency));
      return { currency, days0To30, days31To60, days61To90, over90Days, total: toMoney(amounts.reduce((sum, amount) => sum + amount, 0n), currency), owing: amounts.some((amount) => amount !== 0n) };
    };
    const owedByPayers = rows
      .map((row) => ({ owedBy: ReceivableDebtor.PAYER, payer: payers.get(row.payer_id) ?? null, ...agingOf(row, 'payer', row.currency) }))
      .filter((row) => row.owing);
    // patients' share, per currency whoever the payer
    const patients = new Map<string, Record<string, string>>();
    for (const row of rows) {
      const sum = patients.get(row.currency) ?? {};
      for (const key of Object.keys(row).filter((name) => name.startsWith('patient_'))) sum[key] = (BigInt(sum[key] ?? 0) + BigInt(row[key])).toString();
      patients.set(row.currency, sum);
    }
    const owedByPatients = [...patients].map(([currency, sums]) => ({ owedBy: ReceivableDebtor.PATIENT, payer: null, ...agingOf(sums, 'patient', currency) })).filter((row) => row.owing);
    return [...byPayerName(owedByPayers, (row) => row.currency), ...owedByPatients.sort((a, b) => a.currency.localeCompare(b.currency))].map(({ owing: _owing, ...row }) => row);
  }

  /** The summary rows (alias t) of the organization's service dates in `report` (and `extra`), drafts left out. */
  private summary(report: BillingReport, extra?: string, dailyFrom?: string): Sql {
    const dimensions: Sql[] = [{ text: `t."organization_id" = ? and t."status" <> 'draft'`, params: [report.organizationId] }];
    if (extra) dimensions.push({ text: extra, params: [] });
    return summaryRows(allOf(dimensions), report, dailyFrom);
  }

  /** Runs a report statement; what it summed is audited as one aggregate read of Claim records (no patient). */
  private async rows<R extends { claims: string }>(text: string, params: unknown[]): Promise<R[]> {
    const rows = (await this.ctx.em.execute(text, params)) as R[];
    const claims = rows.reduce((sum, row) => sum + Number(row.claims), 0);
    if (claims) this.ctx.access.audit.noteRead(null, 'Claim', claims);
    return rows;
  }

  private async payers(ids: readonly string[]): Promise<Map<string, Payer>> {
    const wanted = [...new Set(ids)].filter((id) => id !== NO_PAYER_ID);
    if (!wanted.length) return new Map();
    return new Map((await this.ctx.em.find(Payer, { id: { $in: wanted } })).map((payer) => [payer.id, payer]));
  }

  /** The display of each denial reason code, from the organization's latest claim denied with it. */
  private async reasonDisplays(organizationId: string, codes: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(codes)];
    if (!wanted.length) return new Map();
    const rows = (await this.ctx.em.execute(`select r."code", (select c."denial_reason_display" from "billing"."claim" c
        where c."provider_organization_id" = ? and c."denial_reason_code" = r."code" and c."denial_reason_display" is not null
        order by c."service_date" desc limit 1) as "display"
      from (values ${wanted.map(() => '(?)').join(', ')}) as r("code")`, [organizationId, ...wanted])) as { code: string; display: string | null }[];
    return new Map(rows.flatMap((row) => (row.display ? [[row.code, row.display] as const] : [])));
  }
}

/** Rows by payer name (claims without a payer last), then by `then`. */
function byPayerName<T extends { payer: Payer | null }>(rows: T[], then: (row: T) => string): T[] {
  return rows.sort((a, b) => (a.payer === null ? 1 : 0) - (b.payer === null ? 1 : 0) || (a.payer?.name ?? '').localeCompare(b.payer?.name ?? '') || then(a).localeCompare(then(b)));
}
