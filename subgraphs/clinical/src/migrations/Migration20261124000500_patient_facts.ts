import { Migration } from '@mikro-orm/migrations';

/**
 * What the clinical subgraph keeps about each patient from the patients subgraph's
 * `patient.demographics` events (src/patient-facts): the facts care-gap rules need. Written only by
 * the event consumer; `last_event_id` is the event the row reflects, so an older event never
 * overwrites a newer one.
 */
export class Migration20261124000500_patient_facts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "clinical"."patient_facts" (
        "patient_id" uuid primary key,
        "birth_date" date null,
        "gender" text null check ("gender" in ('male', 'female', 'other', 'unknown')),
        "deceased" boolean not null default false,
        "updated_at" timestamptz not null default now(),
        "last_event_id" bigint not null
      );`);
  }
}
