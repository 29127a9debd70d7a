import { Migration } from '@mikro-orm/migrations';

/**
 * Observations, diagnostic reports and imaging studies (results/). Every table carries the
 * ChartRecord columns (id, patient_id, organization_id, encounter_id, created_at, updated_at);
 * patient, organization and device ids point into other subgraphs: no foreign keys. Each list
 * sorts on a non-null timestamp, with one index per filter: (patient_id, <sort> desc, id) and
 * (patient_id, <filter>, <sort> desc, id).
 */
export class Migration20261124000200_results extends Migration {
  override async up(): Promise<void> {
    // Measurements keep their exact decimal (numeric) and units as given; at most one value[x].
    this.addSql(`
      create table "clinical"."observation" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "status" text not null check ("status" in ('registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown')),
        "categories" jsonb not null default '[]',
        "category" text null check ("category" in ('vital-signs', 'laboratory', 'survey', 'social-history', 'exam', 'imaging', 'procedure', 'therapy', 'activity')),
        "code" jsonb not null,
        "code_value" text not null,
        "effective_at" timestamptz not null,
        "effective_end" timestamptz null,
        "issued_at" timestamptz null,
        "value_quantity" numeric null,
        "value_unit" text null,
        "value_unit_code" text null,
        "value_system" text null,
        "value_comparator" text null check ("value_comparator" in ('<', '<=', '>=', '>')),
        "value_codeable_concept" jsonb null,
        "value_string" text null,
        "value_boolean" boolean null,
        "value_integer" integer null,
        "components" jsonb not null default '[]',
        "interpretation" jsonb not null default '[]',
        "reference_range" jsonb not null default '[]',
        "device_id" uuid null,
        "device_name" text null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "observation_one_value_check" check (num_nonnulls("value_quantity", "value_codeable_concept", "value_string", "value_boolean", "value_integer") <= 1),
        constraint "observation_unit_check" check ("value_quantity" is not null or num_nonnulls("value_unit", "value_unit_code", "value_system", "value_comparator") = 0),
        constraint "observation_effective_check" check ("effective_end" is null or "effective_end" >= "effective_at")
      );`);
    this.addSql(`create index "observation_patient_effective_idx" on "clinical"."observation" ("patient_id", "effective_at" desc, "id");`);
    this.addSql(`create index "observation_patient_status_effective_idx" on "clinical"."observation" ("patient_id", "status", "effective_at" desc, "id");`);
    this.addSql(`create index "observation_patient_category_effective_idx" on "clinical"."observation" ("patient_id", "category", "effective_at" desc, "id");`);
    // the code filter, and Patient.observationSeries (same columns, scanned backwards for time order)
    this.addSql(`create index "observation_patient_code_effective_idx" on "clinical"."observation" ("patient_id", "code_value", "effective_at" desc, "id");`);
    this.addSql(`create index "observation_patient_organization_effective_idx" on "clinical"."observation" ("patient_id", "organization_id", "effective_at" desc, "id");`);
    // Patient.latestVitals: distinct on (code_value), newest first, vital signs only
    this.addSql(`create index "observation_patient_vitals_idx" on "clinical"."observation" ("patient_id", "code_value", "effective_at" desc, "id") where "category" = 'vital-signs';`);
    this.addSql(`create index "observation_encounter_idx" on "clinical"."observation" ("encounter_id") where "encounter_id" is not null;`);

    this.addSql(`
      create table "clinical"."diagnostic_report" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "status" text not null check ("status" in ('registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'appended', 'cancelled', 'entered-in-error', 'unknown')),
        "categories" jsonb not null default '[]',
        "category" text null,
        "code" jsonb not null,
        "code_value" text not null,
        "effective_at" timestamptz not null,
        "effective_end" timestamptz null,
        "issued_at" timestamptz null,
        "conclusion" text null,
        "conclusion_codes" jsonb not null default '[]',
        "result_ids" uuid[] not null default '{}',
        "presented_form_text" text null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "diagnostic_report_effective_check" check ("effective_end" is null or "effective_end" >= "effective_at")
      );`);
    this.addSql(`create index "diagnostic_report_patient_effective_idx" on "clinical"."diagnostic_report" ("patient_id", "effective_at" desc, "id");`);
    this.addSql(`create index "diagnostic_report_patient_status_effective_idx" on "clinical"."diagnostic_report" ("patient_id", "status", "effective_at" desc, "id");`);
    this.addSql(`create index "diagnostic_report_patient_category_effective_idx" on "clinical"."diagnostic_report" ("patient_id", "category", "effective_at" desc, "id");`);
    this.addSql(`create index "diagnostic_report_patient_code_effective_idx" on "clinical"."diagnostic_report" ("patient_id", "code_value", "effective_at" desc, "id");`);
    this.addSql(`create index "diagnostic_report_patient_organization_effective_idx" on "clinical"."diagnostic_report" ("patient_id", "organization_id", "effective_at" desc, "id");`);
    this.addSql(`create index "diagnostic_report_encounter_idx" on "clinical"."diagnostic_report" ("encounter_id") where "encounter_id" is not null;`);

    // A study's series are few and read together: kept as jsonb. The modality filter matches
    // modality_codes inside one patient's studies (a handful), found through the patient index.
    this.addSql(`
      create table "clinical"."imaging_study" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "organization_id" uuid not null,
        "encounter_id" uuid null,
        "status" text not null check ("status" in ('registered', 'available', 'cancelled', 'entered-in-error', 'unknown')),
        "study_uid" text null,
        "description" text null,
        "started_at" timestamptz not null,
        "modalities" jsonb not null default '[]',
        "modality_codes" text[] not null default '{}',
        "number_of_series" integer not null check ("number_of_series" >= 0),
        "number_of_instances" integer not null check ("number_of_instances" >= 0),
        "series" jsonb not null default '[]',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "imaging_study_patient_started_idx" on "clinical"."imaging_study" ("patient_id", "started_at" desc, "id");`);
    this.addSql(`create index "imaging_study_patient_organization_started_idx" on "clinical"."imaging_study" ("patient_id", "organization_id", "started_at" desc, "id");`);
  }
}
