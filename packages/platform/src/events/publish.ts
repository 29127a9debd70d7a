import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlFor } from '../audit/sql';

/** What a producer says happened. `payload` is JSON; it may carry PHI (it stays in the database). */
export interface NewEvent {
  /** e.g. `patient.demographics`. */
  topic: string;
  /** What the event is about (e.g. the patient id); consumers keep per-key state with it. */
  key: string;
  payload: unknown;
  /** The service that published it (e.g. `patients`). */
  producer: string;
}

/**
 * Publishes events through the producer's own EntityManager: inside its transaction (em.transactional,
 * em.begin) the events commit or roll back with the change they describe (transactional outbox).
 * One statement for the whole list; ids follow the list's order. Returns the ids.
 */
export async function publishEvents(em: EntityManager, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  for (const event of events) {
    if (!event.topic || !event.producer || typeof event.key !== 'string') throw new Error('an event needs a topic, a key and a producer');
    if (event.payload === undefined) throw new Error('an event needs a payload');
  }
  const rows = await sqlFor(em).query<{ id: string }>(
    `insert into events.event (topic, key, payload, producer)
     select e.value->>'topic', e.value->>'key', e.value->'payload', e.value->>'producer'
       from jsonb_array_elements($1::jsonb) with ordinality as e(value, ord)
      order by e.ord
     returning id::text as id`,
    [JSON.stringify(events.map(({ topic, key, payload, producer }) => ({ topic, key, payload, producer })))],
  );
  return rows.map((row) => row.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/** One event, in the caller's transaction (see publishEvents). Returns its id. */
export async function publishEvent(em: EntityManager, event: NewEvent): Promise<string> {
  const [id] = await publishEvents(em, [event]);
  return id;
}
