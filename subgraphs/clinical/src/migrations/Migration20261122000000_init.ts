import { Migration } from '@mikro-orm/migrations';

/**
 * The clinical schema. Owned by the clinical subgraph only. Patient, organization and practitioner
 * ids point into the patients subgraph: plain uuid columns, no foreign keys across schemas.
 */
export class Migration20261122000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "clinical";`);
    this.addSql(`
      create table "clinical"."encounter" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "status" text not null check ("status" in ('planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown')),
        "class_code" text not null,
        "type" jsonb null,
        "reasons" jsonb not null default '[]',
        "period_start" timestamptz not null,
        "period_end" timestamptz null,
        "participant_practitioner_ids" uuid[] not null default '{}',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "encounter_period_check" check ("period_end" is null or "period_end" >= "period_start")
      );`);
    // Patient.encounters: newest first, keyset pagination; with a status filter.
    this.addSql(`create index "encounter_patient_period_idx" on "clinical"."encounter" ("patient_id", "period_start" desc, "id");`);
    this.addSql(`create index "encounter_patient_status_period_idx" on "clinical"."encounter" ("patient_id", "status", "period_start" desc, "id");`);
    // An organization's encounters (access by organization, reporting).
    this.addSql(`create index "encounter_organization_period_idx" on "clinical"."encounter" ("organization_id", "period_start" desc, "id");`);
  }
}
