import { inTransaction, type AuditTarget, type Sql } from '../audit/sql';

/**
 * Events between services live in the `events` schema, owned by the platform (like `audit`): a
 * subgraph never reads another's schema, so what one service tells the others goes through here.
 *
 * - `events.event`: the outbox. A producer inserts its event in the same transaction as its own
 *   change (`publishEvent`), so the event exists exactly when the change committed.
 * - `events.consumer_offset`: per (consumer, topic), the last event id processed; updated in the
 *   same transaction as the consumer's handler (`EventConsumer`).
 * - After each insert a trigger sends `NOTIFY caregraph_events, '<topic>'` (delivered at commit).
 *   Only the topic: the payload stays in the table, so no PHI ever travels in a notification.
 * - Ids come from a bigserial whose default first makes sure the inserting transaction has an xid
 *   (`pg_current_xact_id()`), then takes the next id. So a transaction holding an id that is not
 *   visible yet was already running when any later id committed, which is what lets consumers
 *   tell an id still in flight from one rolled back (see consumer.ts).
 */

/** Bumped whenever `MIGRATIONS` gains an entry. */
export const EVENTS_SCHEMA_VERSION = 1;

/** The NOTIFY channel; the payload is the topic, nothing else. */
export const EVENTS_CHANNEL = 'caregraph_events';

/** Advisory lock keys (two-int form, class "cevt"): schema changes (1); consumers use their own. */
export const EVENTS_LOCK_CLASS = 0x63657674;
const SCHEMA_LOCK = 1;

const V1 = `
create table if not exists events.event (
  id bigserial primary key,
  topic text not null check (char_length(topic) between 1 and 200),
  key text not null,
  payload jsonb not null,
  occurred_at timestamptz not null default now(),
  producer text not null
);
comment on table events.event is 'Events between services (transactional outbox, see packages/platform/src/events). Read by EventConsumer; never PHI in notifications.';
create index if not exists event_topic_id_idx on events.event (topic, id);

-- the inserting transaction gets its xid BEFORE it takes an id (consumers rely on it, see consumer.ts)
create or replace function events.next_event_id() returns bigint
language plpgsql volatile set search_path = pg_catalog, events as $fn$
begin
  perform pg_current_xact_id();
  return nextval('events.event_id_seq');
end
$fn$;
alter table events.event alter column id set default events.next_event_id();

create or replace function events.event_notify() returns trigger
language plpgsql set search_path = pg_catalog, events as $fn$
begin
  perform pg_notify('${EVENTS_CHANNEL}', new.topic);
  return null;
end
$fn$;
drop trigger if exists event_notify on events.event;
create trigger event_notify after insert on events.event for each row execute function events.event_notify();

create table if not exists events.consumer_offset (
  consumer text not null,
  topic text not null,
  last_id bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (consumer, topic)
);
`;

/** Index = version - 1. Never edit a shipped entry: append a new one and bump EVENTS_SCHEMA_VERSION. */
const MIGRATIONS: readonly string[] = [V1];

async function currentVersion(sql: Sql): Promise<number> {
  const rows = await sql.query<{ version: number }>('select version from events.schema_version');
  return rows[0]?.version ?? 0;
}

/**
 * Creates or upgrades the `events` schema. Idempotent, and safe when several services start at
 * once: one transaction holding an advisory lock. `target`: a connection string, a pg client/pool
 * or a MikroORM EntityManager (in its transaction when it has one, e.g. a migration's).
 */
export async function ensureEventsSchema(target: AuditTarget): Promise<number> {
  if (MIGRATIONS.length !== EVENTS_SCHEMA_VERSION) throw new Error('events MIGRATIONS and EVENTS_SCHEMA_VERSION disagree');
  return inTransaction(target, async (sql) => {
    await sql.query(`select pg_advisory_xact_lock(${EVENTS_LOCK_CLASS}, ${SCHEMA_LOCK})`);
    await sql.query('create schema if not exists events');
    await sql.query(`create table if not exists events.schema_version (
      singleton boolean primary key default true check (singleton),
      version integer not null
    )`);
    const from = await currentVersion(sql);
    if (from > EVENTS_SCHEMA_VERSION) {
      throw new Error(`events schema is at version ${from}, newer than this build (${EVENTS_SCHEMA_VERSION}): upgrade the service`);
    }
    for (let version = from + 1; version <= EVENTS_SCHEMA_VERSION; version += 1) {
      await sql.query(MIGRATIONS[version - 1]);
    }
    if (from < EVENTS_SCHEMA_VERSION) {
      await sql.query(
        `insert into events.schema_version (singleton, version) values (true, ${EVENTS_SCHEMA_VERSION})
         on conflict (singleton) do update set version = excluded.version`,
      );
    }
    return EVENTS_SCHEMA_VERSION;
  });
}
