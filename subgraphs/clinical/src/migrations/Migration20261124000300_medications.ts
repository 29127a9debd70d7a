import { Migration } from '@mikro-orm/migrations';

/**
 * Medication requests, care plans, goals and clinical notes (medications/). Every table carries
 * the ChartRecord columns (id, patient_id, organization_id, encounter_id, created_at, updated_at);
 * patient, organization, practitioner and user ids point into other subgraphs: no foreign keys.
 * Each list sorts on a non-null timestamp, with one index per filter:
 * (patient_id, <sort> desc, id) and (patient_id, <filter>, <sort> desc, id).
 */
export class Migration20261124000300_medications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "clinical"."medication_request" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "status" text not null check ("status" in ('active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown')),
        "intent" text not null check ("intent" in ('proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option')),
        "code" jsonb not null,
        "code_value" text not null,
        "authored_on" timestamptz not null,
        "requester_practitioner_id" uuid null,
        "dosage_text" text null,
        "dosage" jsonb not null default '[]',
        "reasons" jsonb not null default '[]',
        "reason_record_ids" uuid[] not null default '{}',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "medication_request_patient_authored_idx" on "clinical"."medication_request" ("patient_id", "authored_on" desc, "id");`);
    // Patient.medicationRequests(status:) and Patient.activeMedications
    this.addSql(`create index "medication_request_patient_status_authored_idx" on "clinical"."medication_request" ("patient_id", "status", "authored_on" desc, "id");`);
    this.addSql(`create index "medication_request_patient_code_authored_idx" on "clinical"."medication_request" ("patient_id", "code_value", "authored_on" desc, "id");`);
    this.addSql(`create index "medication_request_patient_organization_authored_idx" on "clinical"."medication_request" ("patient_id", "organization_id", "authored_on" desc, "id");`);
    this.addSql(`create index "medication_request_encounter_idx" on "clinical"."medication_request" ("encounter_id") where "encounter_id" is not null;`);

    this.addSql(`
      create table "clinical"."care_plan" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "status" text not null check ("status" in ('draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown')),
        "intent" text not null check ("intent" in ('proposal', 'plan', 'order', 'option')),
        "categories" jsonb not null default '[]',
        "code_value" text null,
        "title" text null,
        "description" text null,
        "period_start" timestamptz not null,
        "period_end" timestamptz null,
        "activities" jsonb not null default '[]',
        "addressed_condition_ids" uuid[] not null default '{}',
        "goal_ids" uuid[] not null default '{}',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "care_plan_period_check" check ("period_end" is null or "period_end" >= "period_start")
      );`);
    this.addSql(`create index "care_plan_patient_period_idx" on "clinical"."care_plan" ("patient_id", "period_start" desc, "id");`);
    this.addSql(`create index "care_plan_patient_status_period_idx" on "clinical"."care_plan" ("patient_id", "status", "period_start" desc, "id");`);
    this.addSql(`create index "care_plan_patient_code_period_idx" on "clinical"."care_plan" ("patient_id", "code_value", "period_start" desc, "id");`);
    this.addSql(`create index "care_plan_patient_organization_period_idx" on "clinical"."care_plan" ("patient_id", "organization_id", "period_start" desc, "id");`);
    this.addSql(`create index "care_plan_encounter_idx" on "clinical"."care_plan" ("encounter_id") where "encounter_id" is not null;`);

    this.addSql(`
      create table "clinical"."goal" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "lifecycle_status" text not null check ("lifecycle_status" in ('proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed', 'cancelled', 'entered-in-error', 'rejected')),
        "achievement_status" jsonb null,
        "description" text not null,
        "description_code" jsonb null,
        "code_value" text null,
        "target" jsonb null,
        "start_at" timestamptz not null,
        "start_source" text not null check ("start_source" in ('start-date', 'care-plan', 'import')),
        "addressed_record_ids" uuid[] not null default '{}',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "goal_patient_start_idx" on "clinical"."goal" ("patient_id", "start_at" desc, "id");`);
    this.addSql(`create index "goal_patient_lifecycle_start_idx" on "clinical"."goal" ("patient_id", "lifecycle_status", "start_at" desc, "id");`);
    this.addSql(`create index "goal_patient_code_start_idx" on "clinical"."goal" ("patient_id", "code_value", "start_at" desc, "id");`);
    this.addSql(`create index "goal_patient_organization_start_idx" on "clinical"."goal" ("patient_id", "organization_id", "start_at" desc, "id");`);

    // Notes written in caregraph. The current text lives on the note; every version (the first
    // included) is kept in clinical_note_version, written in the same transaction.
    this.addSql(`
      create table "clinical"."clinical_note" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "author_user_id" uuid not null,
        "author_practitioner_id" uuid null,
        "title" text not null check (char_length("title") between 1 and 200),
        "text" text not null check (char_length("text") between 1 and 20000),
        "status" text not null default 'current' check ("status" in ('current', 'entered-in-error')),
        "version" integer not null default 1 check ("version" >= 1),
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "clinical_note_patient_created_idx" on "clinical"."clinical_note" ("patient_id", "created_at" desc, "id");`);
    this.addSql(`create index "clinical_note_patient_organization_created_idx" on "clinical"."clinical_note" ("patient_id", "organization_id", "created_at" desc, "id");`);
    this.addSql(`create index "clinical_note_encounter_idx" on "clinical"."clinical_note" ("encounter_id") where "encounter_id" is not null;`);
    this.addSql(`
      create table "clinical"."clinical_note_version" (
        "id" uuid primary key,
        "note_id" uuid not null references "clinical"."clinical_note" ("id") on delete cascade,
        "version" integer not null check ("version" >= 1),
        "title" text not null check (char_length("title") between 1 and 200),
        "text" text not null check (char_length("text") between 1 and 20000),
        "author_user_id" uuid not null,
        "created_at" timestamptz not null default now(),
        constraint "clinical_note_version_note_version_unique" unique ("note_id", "version")
      );`);
  }
}
