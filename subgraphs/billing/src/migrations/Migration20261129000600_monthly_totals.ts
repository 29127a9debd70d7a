import { Migration } from '@mikro-orm/migrations';
import { NO_PAYER_ID } from './Migration20261129000100_ledger';

/** The UTC day a claim is filed under (as the ledger migration files it). */
const SERVICE_DAY = `(coalesce(r."billable_period_start", r."created_at") at time zone 'UTC')::date`;
const AMOUNTS = ['claim_count', 'billed_minor_units', 'allowed_minor_units', 'paid_minor_units', 'payer_outstanding_minor_units', 'patient_outstanding_minor_units'];

/** Adds claim r (sign 1) or takes it away (sign -1) in a summary keyed by `period` (the claim's `periodOf`; both summaries share the column order). */
const addClaim = (table: string, period: string, periodOf: string) => `
        insert into "billing"."${table}" as t values (
          r."provider_organization_id", coalesce(r."payer_id", '${NO_PAYER_ID}'), ${periodOf},
          r."status", coalesce(r."outcome", ''), coalesce(r."denial_reason_code", ''), coalesce(r."currency", 'USD'),
          sign, sign * coalesce(r."total_minor_units", 0), sign * coalesce(r."allowed_minor_units", 0),
          sign * (r."payer_paid_minor_units" + r."patient_paid_minor_units"),
          sign * r."payer_outstanding_minor_units", sign * r."patient_outstanding_minor_units")
        on conflict ("organization_id", "${period}", "payer_id", "status", "outcome", "denial_reason_code", "currency") do update set
          ${AMOUNTS.map((column) => `"${column}" = t."${column}" + excluded."${column}"`).join(',\n          ')};`;

/**
 * claim_monthly_totals: claim_daily_totals rolled up by service month, kept by the same trigger
 * function in the same transaction. Reports over a year read twelve months of rows here and only
 * the partial months at the edges of their range (and the last 90 days for receivables aging) from
 * the daily summary: at 1M claims the daily summary holds tens of thousands of rows per
 * organization and year, the monthly one a few hundred, so a report's cost stops following how
 * many claims there are. billing.rebuild_claim_daily_totals() rebuilds both.
 */
export class Migration20261129000600_monthly_totals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "billing"."claim_monthly_totals" (
        "organization_id" uuid not null,
        "payer_id" uuid not null,
        "month" date not null check ("month" = date_trunc('month', "month")::date),
        "status" text not null,
        "outcome" text not null,
        "denial_reason_code" text not null,
        "currency" char(3) not null,
        "claim_count" bigint not null,
        "billed_minor_units" bigint not null,
        "allowed_minor_units" bigint not null,
        "paid_minor_units" bigint not null,
        "payer_outstanding_minor_units" bigint not null,
        "patient_outstanding_minor_units" bigint not null,
        primary key ("organization_id", "month", "payer_id", "status", "outcome", "denial_reason_code", "currency")
      );`);
    // the daily row and its month move together: one function, two upserts
    this.addSql(`
      create or replace function "billing"."claim_daily_totals_add"(r "billing"."claim", sign int) returns void language sql as $$
        ${addClaim('claim_daily_totals', 'day', SERVICE_DAY)}
        ${addClaim('claim_monthly_totals', 'month', `date_trunc('month', ${SERVICE_DAY})::date`)}
      $$;`);
    this.addSql(`
      create or replace function "billing"."rebuild_claim_daily_totals"() returns void language sql as $$
        delete from "billing"."claim_daily_totals";
        insert into "billing"."claim_daily_totals"
        select "provider_organization_id", coalesce("payer_id", '${NO_PAYER_ID}'),
          (coalesce("billable_period_start", "created_at") at time zone 'UTC')::date,
          "status", coalesce("outcome", ''), coalesce("denial_reason_code", ''), coalesce("currency", 'USD'),
          count(*), sum(coalesce("total_minor_units", 0)), sum(coalesce("allowed_minor_units", 0)),
          sum("payer_paid_minor_units" + "patient_paid_minor_units"),
          sum("payer_outstanding_minor_units"), sum("patient_outstanding_minor_units")
        from "billing"."claim" group by 1, 2, 3, 4, 5, 6, 7;
        delete from "billing"."claim_monthly_totals";
        insert into "billing"."claim_monthly_totals"
        select "organization_id", "payer_id", date_trunc('month', "day")::date, "status", "outcome", "denial_reason_code", "currency",
          sum("claim_count"), sum("billed_minor_units"), sum("allowed_minor_units"), sum("paid_minor_units"),
          sum("payer_outstanding_minor_units"), sum("patient_outstanding_minor_units")
        from "billing"."claim_daily_totals" group by 1, 2, 3, 4, 5, 6, 7;
      $$;`);
    this.addSql(`select "billing"."rebuild_claim_daily_totals"();`);
  }
}
