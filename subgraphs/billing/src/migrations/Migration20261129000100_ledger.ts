import { Migration } from '@mikro-orm/migrations';

/** The "no payer" key of claim_daily_totals (self-pay claims, claims before a coverage is known). */
export const NO_PAYER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * What the payer still owes on a claim: its billed total while the payer has not adjudicated it
 * (less anything already received), the adjudicated payer amount less payments after. Rejected,
 * draft and closed claims owe nothing (closing writes off what is left; the transition says so).
 */
const PAYER_OUTSTANDING = `case
  when "status" in ('submitted', 'accepted') then coalesce("total_minor_units", 0) - "payer_paid_minor_units" - "patient_paid_minor_units"
  when "status" = 'adjudicated' then coalesce("payer_amount_minor_units", 0) - "payer_paid_minor_units"
  else 0 end`;
/** What the patient still owes: their adjudicated responsibility less their payments. */
const PATIENT_OUTSTANDING = `case
  when "status" = 'adjudicated' then coalesce("patient_responsibility_minor_units", 0) - "patient_paid_minor_units"
  else 0 end`;

/**
 * The billing ledger: payers, coverage, the claim lifecycle, adjudication (explanation of
 * benefit), payments applied to claims, and a daily summary for the billing dashboards.
 *
 * Money is bigint minor units beside a char(3) currency everywhere. A claim carries its running
 * totals (allowed, payer amount, patient responsibility, paid by each side) and two generated
 * columns, what the payer and the patient still owe, so lists filter, sort and sum on them with
 * plain indexes. Every change to a claim row also lands, by trigger, in claim_daily_totals
 * (organization × payer × service day × status × outcome × denial reason × currency): the
 * aggregates read that table, so their cost follows the days and payers asked about, not the
 * number of claims. billing.rebuild_claim_daily_totals() recomputes it from the claims (bulk
 * loads may disable the trigger and call it once).
 */
export class Migration20261129000100_ledger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "billing"."payer" (
        "id" uuid primary key,
        "name" text not null check (length(trim("name")) between 1 and 200),
        "kind" text not null check ("kind" in ('insurer', 'self-pay')),
        "created_at" timestamptz not null default now()
      );`);
    this.addSql(`create unique index "payer_name_key" on "billing"."payer" (lower("name"));`);

    this.addSql(`
      create table "billing"."coverage" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "payer_id" uuid not null references "billing"."payer" ("id"),
        "plan_name" text null,
        "member_id" text null,
        "subscriber_id" text null,
        "relationship" text not null default 'self' check ("relationship" in ('self', 'spouse', 'child', 'other')),
        "period_start" timestamptz null,
        "period_end" timestamptz null,
        "status" text not null check ("status" in ('active', 'cancelled', 'draft', 'entered-in-error')),
        "benefit_order" int not null default 1 check ("benefit_order" between 1 and 9),
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "coverage_period_check" check ("period_start" is null or "period_end" is null or "period_end" >= "period_start")
      );`);
    // Patient.coverages in order of benefits
    this.addSql(`create index "coverage_patient_order_idx" on "billing"."coverage" ("patient_id", "benefit_order", "id");`);

    // The FHIR status becomes the billing lifecycle: what was imported as active had been sent to the payer.
    this.addSql(`alter table "billing"."claim" drop constraint "claim_status_check";`);
    this.addSql(`update "billing"."claim" set "status" = case "status" when 'active' then 'submitted' when 'draft' then 'draft' else 'closed' end;`);
    this.addSql(`
      alter table "billing"."claim"
        add constraint "claim_status_check" check ("status" in ('draft', 'submitted', 'accepted', 'rejected', 'adjudicated', 'closed')),
        add column "outcome" text null check ("outcome" in ('paid', 'partially-paid', 'denied')),
        add column "payer_id" uuid null references "billing"."payer" ("id"),
        add column "coverage_id" uuid null references "billing"."coverage" ("id"),
        add column "idempotency_key" text null,
        add column "payload_hash" text null,
        add column "submitted_at" timestamptz null,
        add column "adjudicated_at" timestamptz null,
        add column "closed_at" timestamptz null,
        add column "allowed_minor_units" bigint null,
        add column "payer_amount_minor_units" bigint null,
        add column "patient_responsibility_minor_units" bigint null,
        add column "payer_paid_minor_units" bigint not null default 0 check ("payer_paid_minor_units" >= 0),
        add column "patient_paid_minor_units" bigint not null default 0 check ("patient_paid_minor_units" >= 0),
        add column "denial_reason_code" text null,
        add column "denial_reason_display" text null,
        add column "payer_outstanding_minor_units" bigint generated always as (${PAYER_OUTSTANDING}) stored,
        add column "patient_outstanding_minor_units" bigint generated always as (${PATIENT_OUTSTANDING}) stored,
        add column "outstanding_minor_units" bigint generated always as ((${PAYER_OUTSTANDING}) + (${PATIENT_OUTSTANDING})) stored,
        add constraint "claim_adjudicated_outcome_check" check ("status" <> 'adjudicated' or "outcome" is not null),
        add constraint "claim_adjudication_check" check (("outcome" is null) = ("payer_amount_minor_units" is null)),
        add constraint "claim_denial_check" check ("denial_reason_code" is null or "outcome" is not null),
        add constraint "claim_idempotency_check" check (("idempotency_key" is null) = ("payload_hash" is null)),
        -- the last line of defence against a payment larger than what is owed
        add constraint "claim_outstanding_check" check ("payer_outstanding_minor_units" >= 0 and "patient_outstanding_minor_units" >= 0);`);
    this.addSql(`update "billing"."claim" set "submitted_at" = "created_at" where "status" <> 'draft';`);
    // One submission per key and provider organization (the key is the submitter's, scoped to who bills)
    this.addSql(`create unique index "claim_idempotency_key" on "billing"."claim" ("provider_organization_id", "idempotency_key") where "idempotency_key" is not null;`);
    // The billing worklist: an organization's claims by service date, by status, payer, patient, amount
    this.addSql(`create index "claim_provider_service_idx" on "billing"."claim" ("provider_organization_id", "billable_period_start" desc, "id");`);
    this.addSql(`create index "claim_provider_status_service_idx" on "billing"."claim" ("provider_organization_id", "status", "billable_period_start" desc, "id");`);
    this.addSql(`create index "claim_provider_payer_service_idx" on "billing"."claim" ("provider_organization_id", "payer_id", "billable_period_start" desc, "id");`);
    this.addSql(`create index "claim_provider_total_idx" on "billing"."claim" ("provider_organization_id", "total_minor_units", "id");`);
    this.addSql(`create index "claim_provider_outstanding_idx" on "billing"."claim" ("provider_organization_id", "outstanding_minor_units", "id") where "outstanding_minor_units" <> 0;`);
    this.addSql(`create index "claim_provider_denial_idx" on "billing"."claim" ("provider_organization_id", "denial_reason_code", "billable_period_start" desc, "id") where "denial_reason_code" is not null;`);
    this.addSql(`drop index if exists "billing"."claim_provider_created_idx";`);

    this.addSql(`
      create table "billing"."claim_transition" (
        "id" bigint generated always as identity primary key,
        "claim_id" uuid not null references "billing"."claim" ("id") on delete cascade,
        "from_status" text null,
        "to_status" text not null,
        "actor_kind" text not null check ("actor_kind" in ('user', 'client', 'system')),
        "actor_id" text not null,
        "at" timestamptz not null default now(),
        "reason" text null
      );`);
    this.addSql(`create index "claim_transition_claim_idx" on "billing"."claim_transition" ("claim_id", "at", "id");`);

    this.addSql(`
      create table "billing"."explanation_of_benefit" (
        "id" uuid primary key,
        "claim_id" uuid not null unique references "billing"."claim" ("id") on delete cascade,
        "patient_id" uuid not null,
        "provider_organization_id" uuid not null,
        "payer_id" uuid null references "billing"."payer" ("id"),
        "outcome" text not null check ("outcome" in ('paid', 'partially-paid', 'denied')),
        "created_at" timestamptz not null,
        "currency" char(3) not null check ("currency" ~ '^[A-Z]{3}$'),
        "submitted_minor_units" bigint not null check ("submitted_minor_units" >= 0),
        "allowed_minor_units" bigint not null check ("allowed_minor_units" >= 0),
        "payer_amount_minor_units" bigint not null check ("payer_amount_minor_units" >= 0),
        "patient_responsibility_minor_units" bigint not null check ("patient_responsibility_minor_units" >= 0),
        "lines" jsonb not null default '[]'
      );`);
    // Patient.explanationsOfBenefit, newest first
    this.addSql(`create index "explanation_of_benefit_patient_idx" on "billing"."explanation_of_benefit" ("patient_id", "created_at" desc, "id");`);

    this.addSql(`
      create table "billing"."payment" (
        "id" uuid primary key,
        "source" text not null check ("source" in ('payer', 'patient')),
        "payer_id" uuid null references "billing"."payer" ("id"),
        "patient_id" uuid null,
        "organization_id" uuid not null,
        "amount_minor_units" bigint not null check ("amount_minor_units" > 0),
        "currency" char(3) not null check ("currency" ~ '^[A-Z]{3}$'),
        "received_at" timestamptz not null,
        "reference" text null,
        "idempotency_key" text null,
        "payload_hash" text null,
        "recorded_by" text not null,
        "created_at" timestamptz not null default now(),
        constraint "payment_source_payer_patient_check" check (("source" = 'payer') = ("payer_id" is not null) and ("source" <> 'patient' or "patient_id" is not null)),
        constraint "payment_idempotency_check" check (("idempotency_key" is null) = ("payload_hash" is null))
      );`);
    this.addSql(`create unique index "payment_idempotency_key" on "billing"."payment" ("organization_id", "idempotency_key") where "idempotency_key" is not null;`);
    this.addSql(`create index "payment_organization_received_idx" on "billing"."payment" ("organization_id", "received_at" desc, "id");`);
    this.addSql(`create index "payment_patient_received_idx" on "billing"."payment" ("patient_id", "received_at" desc, "id") where "patient_id" is not null;`);
    this.addSql(`
      create table "billing"."payment_allocation" (
        "payment_id" uuid not null references "billing"."payment" ("id") on delete cascade,
        "claim_id" uuid not null references "billing"."claim" ("id"),
        "amount_minor_units" bigint not null check ("amount_minor_units" > 0),
        primary key ("payment_id", "claim_id")
      );`);
    this.addSql(`create index "payment_allocation_claim_idx" on "billing"."payment_allocation" ("claim_id");`);

    this.addSql(`
      create table "billing"."claim_daily_totals" (
        "organization_id" uuid not null,
        "payer_id" uuid not null,
        "day" date not null,
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
        primary key ("organization_id", "day", "payer_id", "status", "outcome", "denial_reason_code", "currency")
      );`);
    // "" stands for none in outcome and denial_reason_code, NO_PAYER_ID for no payer: key columns cannot be null.
    this.addSql(`
      create function "billing"."claim_daily_totals_add"(r "billing"."claim", sign int) returns void language sql as $$
        insert into "billing"."claim_daily_totals" as t values (
          r."provider_organization_id", coalesce(r."payer_id", '${NO_PAYER_ID}'),
          (coalesce(r."billable_period_start", r."created_at") at time zone 'UTC')::date,
          r."status", coalesce(r."outcome", ''), coalesce(r."denial_reason_code", ''), coalesce(r."currency", 'USD'),
          sign, sign * coalesce(r."total_minor_units", 0), sign * coalesce(r."allowed_minor_units", 0),
          sign * (r."payer_paid_minor_units" + r."patient_paid_minor_units"),
          sign * r."payer_outstanding_minor_units", sign * r."patient_outstanding_minor_units")
        on conflict ("organization_id", "day", "payer_id", "status", "outcome", "denial_reason_code", "currency") do update set
          "claim_count" = t."claim_count" + excluded."claim_count",
          "billed_minor_units" = t."billed_minor_units" + excluded."billed_minor_units",
          "allowed_minor_units" = t."allowed_minor_units" + excluded."allowed_minor_units",
          "paid_minor_units" = t."paid_minor_units" + excluded."paid_minor_units",
          "payer_outstanding_minor_units" = t."payer_outstanding_minor_units" + excluded."payer_outstanding_minor_units",
          "patient_outstanding_minor_units" = t."patient_outstanding_minor_units" + excluded."patient_outstanding_minor_units";
      $$;`);
    this.addSql(`
      create function "billing"."claim_daily_totals_trigger"() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then perform "billing"."claim_daily_totals_add"(old, -1); end if;
        if tg_op in ('INSERT', 'UPDATE') then perform "billing"."claim_daily_totals_add"(new, 1); end if;
        return null;
      end $$;`);
    this.addSql(`
      create trigger "claim_daily_totals_sync" after insert or update or delete on "billing"."claim"
        for each row execute function "billing"."claim_daily_totals_trigger"();`);
    this.addSql(`
      create function "billing"."rebuild_claim_daily_totals"() returns void language sql as $$
        delete from "billing"."claim_daily_totals";
        insert into "billing"."claim_daily_totals"
        select "provider_organization_id", coalesce("payer_id", '${NO_PAYER_ID}'),
          (coalesce("billable_period_start", "created_at") at time zone 'UTC')::date,
          "status", coalesce("outcome", ''), coalesce("denial_reason_code", ''), coalesce("currency", 'USD'),
          count(*), sum(coalesce("total_minor_units", 0)), sum(coalesce("allowed_minor_units", 0)),
          sum("payer_paid_minor_units" + "patient_paid_minor_units"),
          sum("payer_outstanding_minor_units"), sum("patient_outstanding_minor_units")
        from "billing"."claim" group by 1, 2, 3, 4, 5, 6, 7;
      $$;`);
    this.addSql(`select "billing"."rebuild_claim_daily_totals"();`);
  }
}
