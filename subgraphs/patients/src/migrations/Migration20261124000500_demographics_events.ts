import { ensureEventsSchema, type EntityManager } from '@caregraph/platform';
import { Migration } from '@mikro-orm/migrations';

/**
 * Other services start keeping patients' demographics (topic `patient.demographics`, see
 * src/patient/demographics-events.ts). New changes publish their own events; this backfills one
 * event per patient that already exists, in the migration's transaction (committed with the
 * migration record). Should two instances ever run it at once, the duplicate events are harmless:
 * consumers keep the latest values per patient.
 *
 * The platform-owned `events` schema is created here if it is not there yet (ensureEventsSchema,
 * idempotent, advisory-locked): the FHIR importer runs the migrations without starting a server,
 * and its patients ingestor publishes into events.event.
 */
export class Migration20261124000500_demographics_events extends Migration {
  override async up(): Promise<void> {
    await ensureEventsSchema(this.getEntityManager() as EntityManager);
    this.addSql(`
      insert into "events"."event" ("topic", "key", "payload", "producer")
      select 'patient.demographics', p."id"::text,
             jsonb_build_object('patientId', p."id", 'birthDate', to_char(p."birth_date", 'YYYY-MM-DD'), 'gender', p."gender", 'deceased', p."deceased"),
             'patients'
        from "patients"."patient" p
       order by p."id";`);
  }
}
