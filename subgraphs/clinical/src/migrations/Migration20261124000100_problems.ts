import { Migration } from '@mikro-orm/migrations';

/**
 * Conditions, allergies, immunizations and procedures (problems/). Each table has the chart
 * record columns (see chart/clinical-record.ts) and is listed per patient newest first by a
 * non-null timestamp, so each has (patient_id, <date> desc, id) and one such index per filter
 * (status, category, code, organization), plus encounter_id for an encounter's records.
 */
export class Migration20261124000100_problems extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "clinical"."condition" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "code" jsonb not null,
        "code_value" text not null,
        "clinical_status" text null check ("clinical_status" in ('active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved')),
        "verification_status" text null check ("verification_status" in ('unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error')),
        "category" text not null default 'problem-list-item' check ("category" in ('problem-list-item', 'encounter-diagnosis')),
        "onset_at" timestamptz null,
        "abatement_at" timestamptz null,
        "recorded_at" timestamptz not null,
        "asserter_practitioner_id" uuid null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "condition_abatement_check" check ("abatement_at" is null or "onset_at" is null or "abatement_at" >= "onset_at")
      );`);
    this.addSql(`create index "condition_patient_recorded_idx" on "clinical"."condition" ("patient_id", "recorded_at" desc, "id");`);
    this.addSql(`create index "condition_patient_clinical_status_recorded_idx" on "clinical"."condition" ("patient_id", "clinical_status", "recorded_at" desc, "id");`);
    this.addSql(`create index "condition_patient_category_recorded_idx" on "clinical"."condition" ("patient_id", "category", "recorded_at" desc, "id");`);
    this.addSql(`create index "condition_patient_code_recorded_idx" on "clinical"."condition" ("patient_id", "code_value", "recorded_at" desc, "id");`);
    this.addSql(`create index "condition_patient_organization_recorded_idx" on "clinical"."condition" ("patient_id", "organization_id", "recorded_at" desc, "id");`);
    // Patient.activeProblems: three statuses, one ordered scan
    this.addSql(`create index "condition_patient_active_recorded_idx" on "clinical"."condition" ("patient_id", "recorded_at" desc, "id")
      where "clinical_status" in ('active', 'recurrence', 'relapse');`);
    this.addSql(`create index "condition_encounter_idx" on "clinical"."condition" ("encounter_id");`);

    this.addSql(`
      create table "clinical"."allergy_intolerance" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "code" jsonb not null,
        "code_value" text not null,
        "clinical_status" text null check ("clinical_status" in ('active', 'inactive', 'resolved')),
        "verification_status" text null check ("verification_status" in ('unconfirmed', 'confirmed', 'refuted', 'entered-in-error')),
        "type" text null check ("type" in ('allergy', 'intolerance')),
        "categories" text[] not null default '{}' check ("categories" <@ array['food', 'medication', 'environment', 'biologic']),
        "criticality" text null check ("criticality" in ('low', 'high', 'unable-to-assess')),
        "reactions" jsonb not null default '[]',
        "onset_at" timestamptz null,
        "recorded_at" timestamptz not null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "allergy_intolerance_patient_recorded_idx" on "clinical"."allergy_intolerance" ("patient_id", "recorded_at" desc, "id");`);
    this.addSql(`create index "allergy_intolerance_patient_clinical_status_recorded_idx" on "clinical"."allergy_intolerance" ("patient_id", "clinical_status", "recorded_at" desc, "id");`);
    this.addSql(`create index "allergy_intolerance_patient_code_recorded_idx" on "clinical"."allergy_intolerance" ("patient_id", "code_value", "recorded_at" desc, "id");`);
    this.addSql(`create index "allergy_intolerance_patient_organization_recorded_idx" on "clinical"."allergy_intolerance" ("patient_id", "organization_id", "recorded_at" desc, "id");`);
    // the category filter is `categories @> '{x}'` (a list may have several): one partial index per category
    for (const category of ['food', 'medication', 'environment', 'biologic']) {
      this.addSql(`create index "allergy_intolerance_patient_${category}_recorded_idx" on "clinical"."allergy_intolerance" ("patient_id", "recorded_at" desc, "id")
        where "categories" @> '{${category}}'::text[];`);
    }
    this.addSql(`create index "allergy_intolerance_encounter_idx" on "clinical"."allergy_intolerance" ("encounter_id");`);

    this.addSql(`
      create table "clinical"."immunization" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "vaccine_code" jsonb not null,
        "code_value" text not null,
        "status" text not null check ("status" in ('completed', 'entered-in-error', 'not-done')),
        "occurred_at" timestamptz not null,
        "primary_source" boolean null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "immunization_patient_occurred_idx" on "clinical"."immunization" ("patient_id", "occurred_at" desc, "id");`);
    this.addSql(`create index "immunization_patient_status_occurred_idx" on "clinical"."immunization" ("patient_id", "status", "occurred_at" desc, "id");`);
    this.addSql(`create index "immunization_patient_code_occurred_idx" on "clinical"."immunization" ("patient_id", "code_value", "occurred_at" desc, "id");`);
    this.addSql(`create index "immunization_patient_organization_occurred_idx" on "clinical"."immunization" ("patient_id", "organization_id", "occurred_at" desc, "id");`);
    this.addSql(`create index "immunization_encounter_idx" on "clinical"."immunization" ("encounter_id");`);

    this.addSql(`
      create table "clinical"."procedure" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "code" jsonb not null,
        "code_value" text not null,
        "status" text not null check ("status" in ('preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown')),
        "performed_start" timestamptz not null,
        "performed_end" timestamptz null,
        "reasons" jsonb not null default '[]',
        "performer_practitioner_ids" uuid[] not null default '{}',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "procedure_performed_check" check ("performed_end" is null or "performed_end" >= "performed_start")
      );`);
    this.addSql(`create index "procedure_patient_performed_idx" on "clinical"."procedure" ("patient_id", "performed_start" desc, "id");`);
    this.addSql(`create index "procedure_patient_status_performed_idx" on "clinical"."procedure" ("patient_id", "status", "performed_start" desc, "id");`);
    this.addSql(`create index "procedure_patient_code_performed_idx" on "clinical"."procedure" ("patient_id", "code_value", "performed_start" desc, "id");`);
    this.addSql(`create index "procedure_patient_organization_performed_idx" on "clinical"."procedure" ("patient_id", "organization_id", "performed_start" desc, "id");`);
    this.addSql(`create index "procedure_encounter_idx" on "clinical"."procedure" ("encounter_id");`);
  }
}
