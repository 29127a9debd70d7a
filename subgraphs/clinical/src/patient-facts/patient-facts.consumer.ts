import { EventConsumer, type DeliveredEvent, type EntityManager, type EventConsumerOptions, type Logger, type MikroORM } from '@caregraph/platform';
import { recomputeCareGaps, uuidArray } from '../care-gaps/care-gap.recompute';

/**
 * The patients subgraph's topic (its src/patient/demographics-events.ts; subgraphs do not import
 * each other, so the contract is restated here and test/patient-facts.test.ts proves they agree).
 */
export const PATIENT_DEMOGRAPHICS_TOPIC = 'patient.demographics';
/** The patients subgraph's `patient.registrations` (src/registration/registration-events.ts): a patient's active registrations. */
export const PATIENT_REGISTRATIONS_TOPIC = 'patient.registrations';
export const PATIENT_FACTS_CONSUMER = 'clinical.patient-facts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const GENDERS = ['male', 'female', 'other', 'unknown'];

interface Demographics {
  patientId: string;
  birthDate: string | null;
  gender: string | null;
  deceased: boolean;
}

/** The payload checked field by field; the error names the field, never its value (PHI). */
function demographicsOf(event: DeliveredEvent): Demographics {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  const invalid = (field: string) => new Error(`${event.topic} event ${event.id}: invalid ${field}`);
  const { patientId, birthDate = null, gender = null, deceased = false } = payload;
  if (typeof patientId !== 'string' || !UUID.test(patientId) || patientId !== event.key) throw invalid('patientId');
  if (birthDate !== null && (typeof birthDate !== 'string' || !DATE.test(birthDate))) throw invalid('birthDate');
  if (gender !== null && (typeof gender !== 'string' || !GENDERS.includes(gender))) throw invalid('gender');
  if (typeof deceased !== 'boolean') throw invalid('deceased');
  return { patientId, birthDate, gender, deceased };
}

/**
 * Applies one `patient.demographics` event (in the consumer's transaction). Each event carries the
 * full current values; one older than the row's last_event_id (or the same one) changes nothing.
 * A change recomputes the patient's care gaps (age, gender and death decide which rules apply).
 */
export async function applyDemographics(em: EntityManager, event: DeliveredEvent): Promise<void> {
  const facts = demographicsOf(event);
  const changed = await em.execute<{ patient_id: string }[]>(
    `insert into "clinical"."patient_facts" ("patient_id", "birth_date", "gender", "deceased", "updated_at", "last_event_id")
     values (?, ?::date, ?, ?, now(), ?::bigint)
     on conflict ("patient_id") do update
       set "birth_date" = excluded."birth_date", "gender" = excluded."gender", "deceased" = excluded."deceased",
           "updated_at" = excluded."updated_at", "last_event_id" = excluded."last_event_id"
     where "patient_facts"."last_event_id" < excluded."last_event_id"
     returning "patient_id"`,
    [facts.patientId, facts.birthDate, facts.gender, facts.deceased, event.id],
  );
  if (changed.length) await recomputeCareGaps(em, [facts.patientId]);
}

/** The payload of a `patient.registrations` event, checked like demographics. */
function registrationsOf(event: DeliveredEvent): { patientId: string; organizationIds: string[] } {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  const invalid = (field: string) => new Error(`${event.topic} event ${event.id}: invalid ${field}`);
  const { patientId, organizationIds } = payload;
  if (typeof patientId !== 'string' || !UUID.test(patientId) || patientId !== event.key) throw invalid('patientId');
  if (!Array.isArray(organizationIds) || !organizationIds.every((id) => typeof id === 'string' && UUID.test(id))) throw invalid('organizationIds');
  return { patientId, organizationIds: [...new Set(organizationIds.map((id: string) => id.toLowerCase()))] };
}

/**
 * Applies one `patient.registrations` event: the patient's rows in clinical.patient_registration
 * become the event's full list (what careGapPatients filters on). Rows written from a newer
 * event are left alone.
 */
export async function applyRegistrations(em: EntityManager, event: DeliveredEvent): Promise<void> {
  const { patientId, organizationIds } = registrationsOf(event);
  const [{ newer }] = await em.execute<{ newer: boolean }[]>(
    `select exists (select 1 from "clinical"."patient_registration" where "patient_id" = ? and "last_event_id" >= ?::bigint) as "newer"`,
    [patientId, event.id],
  );
  if (newer) return;
  await em.execute(`delete from "clinical"."patient_registration" where "patient_id" = ?`, [patientId]);
  if (organizationIds.length === 0) return;
  await em.execute(
    `insert into "clinical"."patient_registration" ("organization_id", "patient_id", "last_event_id")
     select unnest(?::uuid[]), ?::uuid, ?::bigint`,
    [uuidArray(organizationIds), patientId, event.id],
  );
}

const HANDLERS: Record<string, (em: EntityManager, event: DeliveredEvent) => Promise<void>> = {
  [PATIENT_DEMOGRAPHICS_TOPIC]: applyDemographics,
  [PATIENT_REGISTRATIONS_TOPIC]: applyRegistrations,
};

/** The clinical subgraph's worker: keeps clinical.patient_facts and patient_registration in step with the patients subgraph. */
export function startPatientFactsConsumer(
  services: { orm: MikroORM; logger: Logger },
  options: Partial<Omit<EventConsumerOptions, 'name' | 'topics' | 'handler' | 'orm' | 'logger'>> = {},
): Promise<EventConsumer> {
  return new EventConsumer({
    name: PATIENT_FACTS_CONSUMER,
    topics: Object.keys(HANDLERS),
    handler: (em, event) => HANDLERS[event.topic](em, event),
    orm: services.orm,
    logger: services.logger,
    ...options,
  }).start();
}
