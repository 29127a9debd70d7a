import { Migration } from '@mikro-orm/migrations';

/**
 * Remote monitoring (src/monitoring): device readings are observations with their device source;
 * thresholds per patient, code and organization; alerts when a reading crosses one.
 *
 * - A device reading keeps the device's identifier, type and name and the device's own id of the
 *   reading; (patient, device identifier, reading id) is unique, so a resent reading is found,
 *   not stored twice. device_id is caregraph's id of the device (a UUIDv5 of its identifier).
 * - A patient's own readings have no organization while no organization monitors them: the one
 *   chart table whose organization_id may be null, and only for device readings.
 * - Thresholds: one per (patient, code, organization); low and/or high in the code's UCUM unit.
 * - Alerts copy what was crossed (code, value, unit, the bound as set then), so they stay readable
 *   when the threshold changes or goes; threshold_id is then null. Lists: a patient's alerts and
 *   an organization's, newest first, each with and without the status filter.
 */
export class Migration20261124000700_monitoring extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table "clinical"."observation"
        alter column "organization_id" drop not null,
        add column "device_identifier" text null,
        add column "device_type" jsonb null,
        add column "device_reading_id" text null,
        add constraint "observation_device_check" check (
          ("device_identifier" is null and "device_reading_id" is null and "device_id" is null and "device_type" is null and "device_name" is null)
          or ("device_identifier" is not null and "device_reading_id" is not null and "device_id" is not null)),
        add constraint "observation_organization_check" check ("organization_id" is not null or "device_identifier" is not null);`);
    this.addSql(`create unique index "observation_device_reading_idx" on "clinical"."observation" ("patient_id", "device_identifier", "device_reading_id") where "device_identifier" is not null;`);

    this.addSql(`
      create table "clinical"."monitoring_threshold" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "code" text not null,
        "low" numeric null,
        "high" numeric null,
        "unit" text not null,
        "organization_id" uuid not null,
        "set_by" uuid not null,
        "set_at" timestamptz not null default now(),
        constraint "monitoring_threshold_bounds_check" check (num_nonnulls("low", "high") >= 1 and ("low" is null or "high" is null or "low" < "high")),
        constraint "monitoring_threshold_patient_code_organization_key" unique ("patient_id", "code", "organization_id")
      );`);
    // Patient.monitoringThresholds and, for a patient's own readings, the organization that set one last
    this.addSql(`create index "monitoring_threshold_patient_set_idx" on "clinical"."monitoring_threshold" ("patient_id", "set_at" desc, "id");`);

    this.addSql(`
      create table "clinical"."monitoring_alert" (
        "id" uuid primary key,
        "patient_id" uuid not null,
        "observation_id" uuid not null references "clinical"."observation" ("id") on delete cascade,
        "threshold_id" uuid null references "clinical"."monitoring_threshold" ("id") on delete set null,
        "organization_id" uuid not null,
        "code" text not null,
        "value" numeric not null,
        "unit" text not null,
        "kind" text not null check ("kind" in ('high', 'low')),
        "limit_value" numeric not null,
        "status" text not null default 'open' check ("status" in ('open', 'acknowledged')),
        "created_at" timestamptz not null default now(),
        "acknowledged_by" uuid null,
        "acknowledged_at" timestamptz null,
        constraint "monitoring_alert_acknowledged_check" check (("status" = 'acknowledged') = ("acknowledged_by" is not null and "acknowledged_at" is not null))
      );`);
    this.addSql(`create index "monitoring_alert_patient_created_idx" on "clinical"."monitoring_alert" ("patient_id", "created_at" desc, "id");`);
    this.addSql(`create index "monitoring_alert_patient_status_created_idx" on "clinical"."monitoring_alert" ("patient_id", "status", "created_at" desc, "id");`);
    this.addSql(`create index "monitoring_alert_organization_created_idx" on "clinical"."monitoring_alert" ("organization_id", "created_at" desc, "id");`);
    this.addSql(`create index "monitoring_alert_organization_status_created_idx" on "clinical"."monitoring_alert" ("organization_id", "status", "created_at" desc, "id");`);
    // the foreign keys' other ends
    this.addSql(`create index "monitoring_alert_observation_idx" on "clinical"."monitoring_alert" ("observation_id");`);
    this.addSql(`create index "monitoring_alert_threshold_idx" on "clinical"."monitoring_alert" ("threshold_id") where "threshold_id" is not null;`);
  }
}
