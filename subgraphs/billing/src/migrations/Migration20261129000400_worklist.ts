import { Migration } from '@mikro-orm/migrations';

/**
 * The billing worklist's service date and indexes.
 *
 * `service_date` is the day claim_daily_totals files a claim under (UTC day of the billable
 * period's start, of its creation when there is none), stored so that lists filter and sort on
 * exactly the day the summary sums by: a filter that the summary can answer gives the same totals
 * either way.
 *
 * Every worklist index leads with the provider organization (a list is always one
 * organization's) and ends with id, the keyset tiebreak; columns run in one direction so one
 * index serves both sort directions (a backward scan). They replace the ledger's first guesses
 * on billable_period_start, and the partial outstanding index (sorting by outstanding must reach
 * the settled claims too).
 */
export class Migration20261129000400_worklist extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table "billing"."claim" add column "service_date" date generated always as
        ((coalesce("billable_period_start", "created_at") at time zone 'UTC')::date) stored;`);
    this.addSql(`drop index if exists "billing"."claim_provider_service_idx";`);
    this.addSql(`drop index if exists "billing"."claim_provider_status_service_idx";`);
    this.addSql(`drop index if exists "billing"."claim_provider_payer_service_idx";`);
    this.addSql(`drop index if exists "billing"."claim_provider_outstanding_idx";`);
    this.addSql(`drop index if exists "billing"."claim_provider_denial_idx";`);
    // sort SERVICE_DATE (and the service date range) with no filter, or filters no index below leads with
    this.addSql(`create index "claim_provider_service_date_idx" on "billing"."claim" ("provider_organization_id", "service_date", "id");`);
    this.addSql(`create index "claim_provider_status_service_date_idx" on "billing"."claim" ("provider_organization_id", "status", "service_date", "id");`);
    this.addSql(`create index "claim_provider_payer_service_date_idx" on "billing"."claim" ("provider_organization_id", "payer_id", "service_date", "id");`);
    this.addSql(`create index "claim_provider_outcome_service_date_idx" on "billing"."claim" ("provider_organization_id", "outcome", "service_date", "id") where "outcome" is not null;`);
    this.addSql(`create index "claim_provider_denial_service_date_idx" on "billing"."claim" ("provider_organization_id", "denial_reason_code", "service_date", "id") where "denial_reason_code" is not null;`);
    // sorts TOTAL (the ledger's claim_provider_total_idx), OUTSTANDING and SUBMITTED_AT, and the amount ranges
    this.addSql(`create index "claim_provider_outstanding_all_idx" on "billing"."claim" ("provider_organization_id", "outstanding_minor_units", "id");`);
    this.addSql(`create index "claim_provider_submitted_idx" on "billing"."claim" ("provider_organization_id", "submitted_at", "id");`);
  }
}
