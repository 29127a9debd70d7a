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
 * Returns the patient whose facts changed (their care gaps need a recompute: age, gender and death
 * decide which rules apply), or null.
 */
export async function applyDemographics(em: EntityManager, event: DeliveredEvent): Promise<string | null> {
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
  return changed.length ? facts.patientId : null;
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
export async function applyRegistrations(em: EntityManager, event: DeliveredEvent): Promise<null> {
  const { patientId, organizationIds } = registrationsOf(event);
  const [{ newer }] = await em.execute<{ newer: boolean }[]>(
    `select exists (select 1 from "clinical"."patient_registration" where "patient_id" = ? and "last_event_id" >= ?::bigint) as "newer"`,
    [patientId, event.id],
  );
  if (newer) return null;
  await em.execute(`delete from "clinical"."patient_registration" where "patient_id" = ?`, [patientId]);
  if (organizationIds.length === 0) return null;
  await em.execute(
    `insert into "clinical"."patient_registration" ("organization_id", "patient_id", "last_event_id")
     select unnest(?::uuid[]), ?::uuid, ?::bigint`,
    [uuidArray(organizationIds), patientId, event.id],
  );
  return null; // registrations decide who lists the patient, not their gaps
}

/** Each topic's handler: applies the event, returns the patient whose care gaps it changed (or null). */
const HANDLERS: Record<string, (em: EntityManager, event: DeliveredEvent) => Promise<string | null>> = {
  [PATIENT_DEMOGRAPHICS_TOPIC]: applyDemographics,
  [PATIENT_REGISTRATIONS_TOPIC]: applyRegistrations,
};

/**
 * A read's worth of events in one transaction, in order, then one set-based care-gap recompute
 * for every patient they changed: after an import of 100k patients, a few hundred transactions
 * instead of 200k.
 */
export async function applyPatientEvents(em: EntityManager, events: readonly DeliveredEvent[]): Promise<void> {
  const changed = new Set<string>();
  for (const event of events) {
    const patientId = await HANDLERS[event.topic](em, event);
    if (patientId) changed.add(patientId);
  }
  if (changed.size) await recomputeCareGaps(em, [...changed]);
}

/** The clinical subgraph's worker: keeps clinical.patient_facts and patient_registration in step with the patients subgraph. */
export function startPatientFactsConsumer(
  services: { orm: MikroORM; logger: Logger },
  options: Partial<Omit<EventConsumerOptions, 'name' | 'topics' | 'handler' | 'batchHandler' | 'orm' | 'logger'>> = {},
): Promise<EventConsumer> {
  return new EventConsumer({
    name: PATIENT_FACTS_CONSUMER,
    topics: Object.keys(HANDLERS),
    batchHandler: applyPatientEvents,
    orm: services.orm,
    logger: services.logger,
    ...options,
  }).start();
}
