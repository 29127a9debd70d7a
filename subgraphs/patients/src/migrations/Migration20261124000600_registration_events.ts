import { Migration } from '@mikro-orm/migrations';

/**
 * Other services start keeping patients' active registrations (topic `patient.registrations`, see
 * src/registration/registration-events.ts). New changes publish their own events; this backfills
 * one event per existing patient, in the migration's transaction, like the demographics backfill.
 */
export class Migration20261124000600_registration_events extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      insert into "events"."event" ("topic", "key", "payload", "producer")
      select 'patient.registrations', p."id"::text,
             jsonb_build_object('patientId', p."id",
               'organizationIds', coalesce(jsonb_agg(r."organization_id" order by r."organization_id") filter (where r."status" = 'active'), '[]'::jsonb)),
             'patients'
        from "patients"."patient" p
        left join "patients"."patient_registration" r on r."patient_id" = p."id"
       group by p."id"
       order by p."id";`);
  }
}
