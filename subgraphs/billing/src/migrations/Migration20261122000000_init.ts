import { Migration } from '@mikro-orm/migrations';

/**
 * The billing schema. Owned by the billing subgraph only. Patient, organization, encounter and
 * condition ids point into other subgraphs: plain uuid columns, no foreign keys across schemas.
 * Money is integer minor units (bigint) with its currency, never floating point.
 */
export class Migration20261122000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "billing";`);
    this.addSql(`
      create table "billing"."claim" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "provider_organization_id" uuid not null,
        "encounter_id" uuid null,
        "status" text not null check ("status" in ('active', 'cancelled', 'draft', 'entered-in-error')),
        "type_code" text not null,
        "billable_period_start" timestamptz null,
        "billable_period_end" timestamptz null,
        "created_at" timestamptz not null,
        "total_minor_units" bigint null,
        "currency" char(3) null check ("currency" ~ '^[A-Z]{3}$'),
        "diagnoses" jsonb not null default '[]',
        "items" jsonb not null default '[]',
        "updated_at" timestamptz not null default now(),
        constraint "claim_total_currency_check" check (("total_minor_units" is null) = ("currency" is null))
      );`);
    // Patient.claims: newest first, keyset pagination; with a status filter.
    this.addSql(`create index "claim_patient_created_idx" on "billing"."claim" ("patient_id", "created_at" desc, "id");`);
    this.addSql(`create index "claim_patient_status_created_idx" on "billing"."claim" ("patient_id", "status", "created_at" desc, "id");`);
    // A provider's claims (billing work lists, access by organization).
    this.addSql(`create index "claim_provider_created_idx" on "billing"."claim" ("provider_organization_id", "created_at");`);
  }
}
