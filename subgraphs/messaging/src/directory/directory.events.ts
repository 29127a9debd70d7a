import type { DeliveredEvent, EntityManager } from '@caregraph/platform';

/*
 * Other services' topics this subgraph keeps copies from. Subgraphs do not import each other, so
 * each contract is restated here; test/messaging-events.test.ts proves producer and consumer agree.
 */
/** identity's src/user/account-events.ts: a staff account's current values. */
export const ACCOUNT_TOPIC = 'identity.account';
/** patients' src/registration/registration-events.ts: a patient's active registrations (full list). */
export const PATIENT_REGISTRATIONS_TOPIC = 'patient.registrations';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** The payload as an object, and an error for a field that does not fit (the field's name, never its value). */
export function payloadOf(event: DeliveredEvent): { payload: Record<string, unknown>; invalid: (field: string) => Error } {
  return {
    payload: (event.payload ?? {}) as Record<string, unknown>,
    invalid: (field: string) => new Error(`${event.topic} event ${event.id}: invalid ${field}`),
  };
}

/** Applies one `identity.account` event: the account's row becomes the event's values, unless a newer event wrote it. */
export async function applyAccount(em: EntityManager, event: DeliveredEvent): Promise<void> {
  const { payload, invalid } = payloadOf(event);
  const { userId, role, organizationId, practitionerId = null, displayName, active } = payload;
  if (!isUuid(userId) || userId !== event.key) throw invalid('userId');
  if (typeof role !== 'string' || role === 'patient') throw invalid('role');
  if (!isUuid(organizationId)) throw invalid('organizationId');
  if (practitionerId !== null && !isUuid(practitionerId)) throw invalid('practitionerId');
  if (typeof displayName !== 'string') throw invalid('displayName');
  if (typeof active !== 'boolean') throw invalid('active');
  await em.execute(
    `insert into "messaging"."directory_account" ("user_id", "role", "organization_id", "practitioner_id", "display_name", "active", "last_event_id")
     values (?, ?, ?, ?, ?, ?, ?::bigint)
     on conflict ("user_id") do update
       set "role" = excluded."role", "organization_id" = excluded."organization_id", "practitioner_id" = excluded."practitioner_id",
           "display_name" = excluded."display_name", "active" = excluded."active", "last_event_id" = excluded."last_event_id"
     where "directory_account"."last_event_id" < excluded."last_event_id"`,
    [userId.toLowerCase(), role, organizationId.toLowerCase(), practitionerId?.toLowerCase() ?? null, displayName, active, event.id],
  );
}

/** One `patient.registrations` event's list, checked like the account's fields. */
function registrationsOf(event: DeliveredEvent): { patientId: string; organizationIds: string[] } {
  const { payload, invalid } = payloadOf(event);
  const { patientId, organizationIds } = payload;
  if (!isUuid(patientId) || patientId !== event.key) throw invalid('patientId');
  if (!Array.isArray(organizationIds) || !organizationIds.every(isUuid)) throw invalid('organizationIds');
  return { patientId: patientId.toLowerCase(), organizationIds: [...new Set(organizationIds.map((id) => id.toLowerCase()))] };
}

/**
 * Applies `patient.registrations` events (in id order): each carries a patient's full list, so the
 * latest per patient wins and the patients' rows become those lists, in two statements for the lot
 * (an import's events cost a few statements per read, not three per patient). Delivery is in order
 * and exactly once (EventConsumer), so no older event can come after a newer one.
 */
export async function applyRegistrations(em: EntityManager, events: readonly DeliveredEvent[]): Promise<void> {
  if (events.length === 0) return;
  const latest = new Map(events.map((event) => {
    const { patientId, organizationIds } = registrationsOf(event);
    return [patientId, { patient_id: patientId, event_id: event.id, organization_ids: organizationIds }] as const;
  }));
  const rows = JSON.stringify([...latest.values()]);
  await em.execute(
    `delete from "messaging"."patient_registration" where "patient_id" in (select (x->>'patient_id')::uuid from jsonb_array_elements(?::jsonb) as x)`,
    [rows],
  );
  await em.execute(
    `insert into "messaging"."patient_registration" ("patient_id", "organization_id", "last_event_id")
     select x."patient_id", unnest(x."organization_ids"), x."event_id"
       from jsonb_to_recordset(?::jsonb) as x("patient_id" uuid, "event_id" bigint, "organization_ids" uuid[])`,
    [rows],
  );
}
