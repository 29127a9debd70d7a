import { Migration } from '@mikro-orm/migrations';

/**
 * Encounters get what a chart shows of a visit: where it took place, the clinician's visit
 * summary, and the type code as a column the `code` filter uses (with one index per filter).
 */
export class Migration20261124000400_encounter_details extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "clinical"."encounter"
      add column "location_name" text null,
      add column "visit_summary" text null check (char_length("visit_summary") <= 20000),
      add column "type_code" text null;`);
    this.addSql(`update "clinical"."encounter" set "type_code" = "type"->>'code' where "type" is not null;`);
    this.addSql(`create index "encounter_patient_type_period_idx" on "clinical"."encounter" ("patient_id", "type_code", "period_start" desc, "id");`);
    this.addSql(`create index "encounter_patient_organization_period_idx" on "clinical"."encounter" ("patient_id", "organization_id", "period_start" desc, "id");`);
  }
}
