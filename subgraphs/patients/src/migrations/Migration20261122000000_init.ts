import { Migration } from '@mikro-orm/migrations';

/** The patients schema: the demographics domain. Owned by the patients subgraph only. */
export class Migration20261122000000_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "patients";`);
    this.addSql(`
      create table "patients"."organization" (
        "id" uuid primary key,
        "name" text not null,
        "search_name" text not null,
        "type" text not null check ("type" in ('hospital', 'practice', 'payer', 'other')),
        "identifiers" jsonb not null default '[]',
        "telecom" jsonb not null default '[]',
        "addresses" jsonb not null default '[]',
        "active" boolean not null default true,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "organization_search_name_idx" on "patients"."organization" ("search_name" text_pattern_ops, "id");`);

    // Patients. List order is (sort_name, id); every filter has an index the planner can use.
    this.addSql(`
      create table "patients"."patient" (
        "id" uuid primary key,
        "names" jsonb not null default '[]',
        "sort_name" text not null,
        "birth_date" date null,
        "gender" text not null default 'unknown' check ("gender" in ('male', 'female', 'other', 'unknown')),
        "telecom" jsonb not null default '[]',
        "addresses" jsonb not null default '[]',
        "language" text null,
        "marital_status" jsonb null,
        "deceased" boolean not null default false,
        "deceased_at" timestamptz null,
        "active" boolean not null default true,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create index "patient_sort_name_idx" on "patients"."patient" ("sort_name", "id");`);
    this.addSql(`create index "patient_birth_date_idx" on "patients"."patient" ("birth_date", "sort_name", "id");`);

    this.addSql(`
      create table "patients"."patient_identifier" (
        "id" uuid primary key,
        "patient_id" uuid not null references "patients"."patient" ("id") on delete cascade,
        "system" text not null,
        "value" text not null,
        "type" text null,
        constraint "patient_identifier_patient_system_value_key" unique ("patient_id", "system", "value")
      );`);
    this.addSql(`create index "patient_identifier_system_value_idx" on "patients"."patient_identifier" ("system", "value", "patient_id");`);

    this.addSql(`
      create table "patients"."patient_name_token" (
        "patient_id" uuid not null references "patients"."patient" ("id") on delete cascade,
        "token" text not null,
        primary key ("patient_id", "token")
      );`);
    this.addSql(`create index "patient_name_token_token_idx" on "patients"."patient_name_token" ("token" text_pattern_ops, "patient_id");`);

    // Practitioners and their roles at organizations.
    this.addSql(`
      create table "patients"."practitioner" (
        "id" uuid primary key,
        "names" jsonb not null default '[]',
        "sort_name" text not null,
        "identifiers" jsonb not null default '[]',
        "npi" text null,
        "qualifications" jsonb not null default '[]',
        "gender" text null check ("gender" in ('male', 'female', 'other', 'unknown')),
        "telecom" jsonb not null default '[]',
        "addresses" jsonb not null default '[]',
        "active" boolean not null default true,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      );`);
    this.addSql(`create unique index "practitioner_npi_key" on "patients"."practitioner" ("npi") where "npi" is not null;`);
    this.addSql(`create index "practitioner_sort_name_idx" on "patients"."practitioner" ("sort_name", "id");`);

    this.addSql(`
      create table "patients"."practitioner_name_token" (
        "practitioner_id" uuid not null references "patients"."practitioner" ("id") on delete cascade,
        "token" text not null,
        primary key ("practitioner_id", "token")
      );`);
    this.addSql(`create index "practitioner_name_token_token_idx" on "patients"."practitioner_name_token" ("token" text_pattern_ops, "practitioner_id");`);

    this.addSql(`
      create table "patients"."practitioner_role" (
        "id" uuid primary key,
        "practitioner_id" uuid not null references "patients"."practitioner" ("id") on delete cascade,
        "organization_id" uuid not null references "patients"."organization" ("id"),
        "code" jsonb not null,
        "code_key" text not null,
        "specialty" jsonb null,
        "active" boolean not null default true,
        "period_start" date null,
        "period_end" date null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "practitioner_role_practitioner_organization_code_key" unique ("practitioner_id", "organization_id", "code_key")
      );`);
    // Organization.practitionerRoles pages by (created_at, id); practitioners(organizationId) probes (organization_id, practitioner_id)
    this.addSql(`create index "practitioner_role_organization_created_idx" on "patients"."practitioner_role" ("organization_id", "created_at", "id");`);
    this.addSql(`create index "practitioner_role_organization_practitioner_idx" on "patients"."practitioner_role" ("organization_id", "practitioner_id");`);

    // Which organizations hold a record of a patient, under which MRN.
    this.addSql(`
      create table "patients"."patient_registration" (
        "id" uuid primary key,
        "patient_id" uuid not null references "patients"."patient" ("id") on delete cascade,
        "organization_id" uuid not null references "patients"."organization" ("id"),
        "mrn" text not null,
        "status" text not null default 'active' check ("status" in ('active', 'inactive')),
        "registered_at" timestamptz not null default now(),
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "patient_registration_patient_organization_key" unique ("patient_id", "organization_id"),
        constraint "patient_registration_organization_mrn_key" unique ("organization_id", "mrn")
      );`);
    this.addSql(`create index "patient_registration_organization_patient_idx" on "patients"."patient_registration" ("organization_id", "patient_id");`);
  }
}
