import { inTransaction, type AuditTarget, type Sql } from './sql';

/**
 * The audit log lives in the `audit` schema, owned by the platform rather than by any subgraph:
 * every service writes to it, and it is created by `ensureAuditSchema()` at service start, not by
 * a subgraph's MikroORM migrations.
 *
 * Tamper evidence
 * - Every row carries `prev_hash` (the previous row's hash; 32 zero bytes for row 1) and
 *   `hash = sha256(prev_hash || utf8(canonical text of the row))`. A BEFORE INSERT trigger computes
 *   both under a transaction-level advisory lock and numbers rows itself (`id = last id + 1`), so
 *   every service and instance appends to ONE gapless sequence in commit order. (A bigserial would
 *   leave gaps on rollback and could hand out ids out of commit order, which would look like tampering.)
 * - The lock is held until the inserting transaction ends: audit writes are serialised. Keep
 *   transactions that write audit rows short.
 * - UPDATE, DELETE and TRUNCATE are refused by triggers that fire even under
 *   `session_replication_role = replica` (ENABLE ALWAYS), and the privileges are revoked from PUBLIC.
 * - In production, services must connect as a role that does NOT own `audit.event` (owners and
 *   superusers can disable triggers): grant it only `usage on schema audit` and
 *   `insert, select on audit.event`. Then only a superuser who disables the triggers can alter or
 *   remove rows, and `npm run audit:verify` detects that (hash mismatch, broken link or id gap).
 *   Removing rows from the END of the log is only detectable against a head (id + hash) recorded
 *   elsewhere: `verifyAuditChain(..., { anchor })` / `audit:verify --anchor id:hash`.
 * - Repeatable-read / serializable transactions see a snapshot taken before the lock was granted;
 *   an append there may read a stale last row and then fails on the primary key instead of forking
 *   the chain. Write audit rows from read-committed transactions (the default).
 */

/** Bumped whenever `MIGRATIONS` gains an entry. */
export const AUDIT_SCHEMA_VERSION = 2;

/** Advisory lock keys (two-int form, class "caud"): schema changes and chain appends. */
const LOCK_CLASS = 0x63617564;
const SCHEMA_LOCK = 1;
const CHAIN_LOCK = 2;

export const AUDIT_ACTIONS = [
  'read', 'write', 'denied', 'login', 'login_failed', 'logout', 'refresh', 'break_glass', 'unauthenticated',
] as const;
export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export const AUDIT_ACTOR_TYPES = ['user', 'client', 'system', 'anonymous'] as const;

const list = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/** 32 zero bytes: the prev_hash of row 1. */
export const GENESIS_HASH_HEX = '00'.repeat(32);

/**
 * The canonical text of a row (format 1) that is hashed: a JSON array of every field but the two
 * hashes. jsonb prints deterministically (`, ` separators; object keys sorted), timestamps are
 * printed in UTC with microseconds so the session time zone does not matter. Shared by the
 * trigger and by `verifyAuditChain`, which recomputes the sha256 itself.
 */
export function canonicalRowSql(row: string): string {
  return `jsonb_build_array(
    1,
    ${row}.id::text,
    to_char(${row}.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    ${row}.service,
    ${row}.request_id,
    ${row}.actor_type,
    ${row}.actor_id,
    ${row}.actor_role,
    ${row}.actor_organization_id::text,
    ${row}.action,
    ${row}.outcome,
    ${row}.patient_id::text,
    to_jsonb(${row}.record_types),
    ${row}.purpose,
    ${row}.detail
  )::text`;
}

const V1 = `
create table if not exists audit.event (
  id bigint primary key,
  occurred_at timestamptz not null default now(),
  service text not null,
  request_id text,
  actor_type text not null check (actor_type in (${list(AUDIT_ACTOR_TYPES)})),
  actor_id text,
  actor_role text,
  actor_organization_id uuid,
  action text not null check (action in (${list(AUDIT_ACTIONS)})),
  outcome text not null check (outcome in (${list(AUDIT_OUTCOMES)})),
  patient_id uuid,
  record_types text[] not null default '{}',
  purpose text,
  detail jsonb not null default '{}' check (jsonb_typeof(detail) = 'object'),
  prev_hash bytea not null,
  hash bytea not null
);
comment on table audit.event is 'Append-only, hash-chained audit log of every service (see packages/platform/src/audit). Never PHI in detail.';

create index if not exists event_actor_idx on audit.event (actor_id, occurred_at desc, id desc);
create index if not exists event_patient_idx on audit.event (patient_id, occurred_at desc, id desc);
create index if not exists event_occurred_idx on audit.event (occurred_at desc, id desc);
create index if not exists event_outcome_idx on audit.event (outcome, occurred_at desc, id desc);
create index if not exists event_action_idx on audit.event (action, occurred_at desc, id desc);

-- Numbers and chains each new row. Callers cannot choose id, prev_hash or hash: they are overwritten.
create or replace function audit.event_chain() returns trigger
language plpgsql set search_path = pg_catalog, audit as $fn$
declare
  last_id bigint;
  last_hash bytea;
begin
  perform pg_advisory_xact_lock(${LOCK_CLASS}, ${CHAIN_LOCK});
  select e.id, e.hash into last_id, last_hash from audit.event e order by e.id desc limit 1;
  new.id := coalesce(last_id, 0) + 1;
  new.prev_hash := coalesce(last_hash, decode('${GENESIS_HASH_HEX}', 'hex'));
  new.occurred_at := coalesce(new.occurred_at, now());
  new.record_types := coalesce(new.record_types, '{}');
  new.detail := coalesce(new.detail, '{}');
  new.hash := sha256(new.prev_hash || convert_to(${canonicalRowSql('new')}, 'UTF8'));
  return new;
end
$fn$;

create or replace function audit.event_append_only() returns trigger
language plpgsql set search_path = pg_catalog, audit as $fn$
begin
  raise exception 'audit.event is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end
$fn$;

drop trigger if exists event_chain on audit.event;
create trigger event_chain before insert on audit.event for each row execute function audit.event_chain();
drop trigger if exists event_no_change on audit.event;
create trigger event_no_change before update or delete on audit.event for each row execute function audit.event_append_only();
drop trigger if exists event_no_truncate on audit.event;
create trigger event_no_truncate before truncate on audit.event for each statement execute function audit.event_append_only();
-- fire even for sessions with session_replication_role = replica; only disabling them gets past
alter table audit.event enable always trigger event_no_change;
alter table audit.event enable always trigger event_no_truncate;

revoke update, delete, truncate on audit.event from public;
`;

/** Compliance officers see their own organization's events: filter on the actor's organization. */
const V2 = `
create index if not exists event_actor_organization_idx on audit.event (actor_organization_id, occurred_at desc, id desc);
`;

/** Index = version - 1. Never edit a shipped entry: append a new one and bump AUDIT_SCHEMA_VERSION. */
const MIGRATIONS: readonly string[] = [V1, V2];

async function currentVersion(sql: Sql): Promise<number> {
  const rows = await sql.query<{ version: number }>('select version from audit.schema_version');
  return rows[0]?.version ?? 0;
}

/**
 * Creates or upgrades the `audit` schema. Idempotent, and safe when several services start at
 * once: everything runs in one transaction holding an advisory lock. Returns the schema version.
 * `target` is a connection string or an executor (see `AuditExecutor`); the connecting role must be
 * allowed to create the schema the first time (in production: the migration/owner role).
 */
export async function ensureAuditSchema(target: AuditTarget): Promise<number> {
  if (MIGRATIONS.length !== AUDIT_SCHEMA_VERSION) throw new Error('audit MIGRATIONS and AUDIT_SCHEMA_VERSION disagree');
  return inTransaction(target, async (sql) => {
    await sql.query(`select pg_advisory_xact_lock(${LOCK_CLASS}, ${SCHEMA_LOCK})`);
    await sql.query('create schema if not exists audit');
    await sql.query(`create table if not exists audit.schema_version (
      singleton boolean primary key default true check (singleton),
      version integer not null
    )`);
    const from = await currentVersion(sql);
    if (from > AUDIT_SCHEMA_VERSION) {
      throw new Error(`audit schema is at version ${from}, newer than this build (${AUDIT_SCHEMA_VERSION}): upgrade the service`);
    }
    for (let version = from + 1; version <= AUDIT_SCHEMA_VERSION; version += 1) {
      await sql.query(MIGRATIONS[version - 1]);
    }
    if (from < AUDIT_SCHEMA_VERSION) {
      await sql.query(
        `insert into audit.schema_version (singleton, version) values (true, ${AUDIT_SCHEMA_VERSION})
         on conflict (singleton) do update set version = excluded.version`,
      );
    }
    return AUDIT_SCHEMA_VERSION;
  });
}
