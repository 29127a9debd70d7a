import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Pool } from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import {
  appendAudit,
  AuditLog,
  ensureAuditSchema,
  patientAccessHistory,
  queryAudit,
  verifyAuditChain,
  AUDIT_SCHEMA_VERSION,
  type AuditEvent,
  type EntityManager,
  type Principal,
} from '@caregraph/platform';
import { createTestDatabase } from './support/database';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '..');

const ORG_A = '0b6c7a36-57a4-4f3e-9d0b-7c1f1f6b8a01';
const ORG_B = '0b6c7a36-57a4-4f3e-9d0b-7c1f1f6b8a02';
const PATIENT_1 = '7d4a5e0c-1b2c-4d3e-8f90-a1b2c3d4e501';
const PATIENT_2 = '7d4a5e0c-1b2c-4d3e-8f90-a1b2c3d4e502';

const physician: Principal = { kind: 'user', userId: 'user-phys', role: 'physician', organizationId: ORG_A, patientId: null, sessionId: 's1' };
const billing: Principal = { kind: 'user', userId: 'user-bill', role: 'billing', organizationId: ORG_B, patientId: null, sessionId: 's2' };
const partner: Principal = { kind: 'client', clientId: 'partner-app', organizationId: ORG_B, scopes: ['system/Claim.read'] };

function readEvent(actor: Principal, patientId: string | null, extra: Partial<AuditEvent> = {}): AuditEvent {
  return { service: 'clinical', requestId: 'req-1', actor, action: 'read', outcome: 'success', patientId, recordTypes: ['Observation'], ...extra };
}

/** Superuser tampering: bypass the append-only triggers for one statement. */
async function tamper(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('alter table audit.event disable trigger user');
    await client.query(statement);
    await client.query('alter table audit.event enable trigger user');
    await client.query('commit');
  } finally {
    await client.end();
  }
}

async function ids(pool: Pool): Promise<number[]> {
  return (await pool.query<{ id: string }>('select id from audit.event order by id')).rows.map((row) => Number(row.id));
}

describe('audit log', () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: Pool;

  beforeEach(async () => {
    db = await createTestDatabase('audit');
    pool = new Pool({ connectionString: db.url, max: 8 });
    await ensureAuditSchema(db.url);
  });

  afterEach(async () => {
    await pool.end();
    await db.drop();
  });

  it('ensureAuditSchema is idempotent, also when called concurrently from several services', async () => {
    await appendAudit(pool, readEvent(physician, PATIENT_1));
    const versions = await Promise.all([
      ensureAuditSchema(db.url), ensureAuditSchema(db.url), ensureAuditSchema(pool), ensureAuditSchema(pool),
    ]);
    expect(versions).toEqual([AUDIT_SCHEMA_VERSION, AUDIT_SCHEMA_VERSION, AUDIT_SCHEMA_VERSION, AUDIT_SCHEMA_VERSION]);
    expect(await ids(pool)).toEqual([1]); // nothing recreated or lost
    const version = await pool.query('select version from audit.schema_version');
    expect(version.rows).toEqual([{ version: AUDIT_SCHEMA_VERSION }]);
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 1 });
  });

  it('creates the schema concurrently on a fresh database', async () => {
    const fresh = await createTestDatabase('audit_fresh');
    try {
      await Promise.all(Array.from({ length: 4 }, () => ensureAuditSchema(fresh.url)));
      const report = await verifyAuditChain(fresh.url);
      expect(report).toEqual({ ok: true, rows: 0, head: null });
    } finally {
      await fresh.drop();
    }
  });

  it('maps principals to actor columns and chains rows in the database', async () => {
    const system: Principal = { kind: 'system', purpose: 'fhir-import' };
    const written = await appendAudit(pool, [
      readEvent(physician, PATIENT_1, { recordTypes: ['Observation', 'Condition', 'Observation'], purpose: 'treatment' }),
      { service: 'billing', actor: partner, action: 'read', outcome: 'success', patientId: PATIENT_2, recordTypes: ['Claim'] },
      { service: 'tools', actor: system, action: 'write', outcome: 'success', patientId: PATIENT_1, recordTypes: ['Patient'] },
      { service: 'gateway', actor: { kind: 'anonymous' }, action: 'unauthenticated', outcome: 'denied' },
    ]);
    expect(written).toEqual(['1', '2', '3', '4']);
    const rows = (await pool.query(
      `select id::int as id, actor_type, actor_id, actor_role, actor_organization_id::text as org, patient_id::text as patient,
              record_types, purpose, encode(prev_hash, 'hex') as prev, encode(hash, 'hex') as hash
       from audit.event order by id`,
    )).rows;
    expect(rows.map(({ prev: _p, hash: _h, ...rest }) => rest)).toEqual([
      { id: 1, actor_type: 'user', actor_id: 'user-phys', actor_role: 'physician', org: ORG_A, patient: PATIENT_1, record_types: ['Condition', 'Observation'], purpose: 'treatment' },
      { id: 2, actor_type: 'client', actor_id: 'partner-app', actor_role: null, org: ORG_B, patient: PATIENT_2, record_types: ['Claim'], purpose: null },
      { id: 3, actor_type: 'system', actor_id: 'fhir-import', actor_role: null, org: null, patient: PATIENT_1, record_types: ['Patient'], purpose: 'fhir-import' },
      { id: 4, actor_type: 'anonymous', actor_id: null, actor_role: null, org: null, patient: null, record_types: [], purpose: null },
    ]);
    expect(rows[0].prev).toBe('00'.repeat(32));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i].prev).toBe(rows[i - 1].hash);
    expect(new Set(rows.map((row) => row.hash)).size).toBe(4);

    // callers cannot pick id or hashes: the trigger overwrites them
    await pool.query(
      `insert into audit.event (id, service, actor_type, action, outcome, prev_hash, hash)
       values (99, 'x', 'system', 'write', 'success', '\\x01', '\\x02')`,
    );
    expect(await ids(pool)).toEqual([1, 2, 3, 4, 5]);
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 5 });
  });

  it('rejects events it cannot store faithfully', async () => {
    await expect(appendAudit(pool, readEvent(physician, 'not-a-uuid'))).rejects.toThrow('patientId must be a uuid');
    await expect(appendAudit(pool, { ...readEvent(physician, PATIENT_1), action: 'peek' as never })).rejects.toThrow('unknown action');
    expect(await ids(pool)).toEqual([]);
  });

  it('concurrent appends from several connections produce one unbroken chain', async () => {
    const pools = Array.from({ length: 4 }, () => new Pool({ connectionString: db.url, max: 4 }));
    try {
      await Promise.all(
        pools.flatMap((p, service) =>
          Array.from({ length: 15 }, (_, i) =>
            appendAudit(p, [
              readEvent(physician, PATIENT_1, { service: `svc${service}`, requestId: `r${service}-${i}` }),
              readEvent(billing, PATIENT_2, { service: `svc${service}`, requestId: `r${service}-${i}` }),
            ]),
          ),
        ),
      );
      // a rolled-back transaction leaves no gap
      const client = await pool.connect();
      await client.query('begin');
      await appendAudit(client, readEvent(physician, PATIENT_1));
      await client.query('rollback');
      client.release();
      await appendAudit(pool, readEvent(physician, PATIENT_1));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    expect(await ids(pool)).toEqual(Array.from({ length: 121 }, (_, i) => i + 1));
    const report = await verifyAuditChain(db.url, { pageSize: 7 });
    expect(report).toMatchObject({ ok: true, rows: 121, head: { id: '121' } });
  });

  it('refuses UPDATE, DELETE and TRUNCATE through a normal connection, even as replica', async () => {
    await appendAudit(pool, [readEvent(physician, PATIENT_1), readEvent(billing, PATIENT_2)]);
    await expect(pool.query(`update audit.event set actor_id = 'someone-else' where id = 1`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(pool.query('delete from audit.event where id = 2')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(pool.query('truncate audit.event')).rejects.toThrow(/append-only: TRUNCATE refused/);
    const client = await pool.connect();
    try {
      await client.query('set session_replication_role = replica');
      await expect(client.query('delete from audit.event')).rejects.toThrow(/append-only/);
    } finally {
      await client.query('reset session_replication_role');
      client.release();
    }
    const privileges = await pool.query(
      `select has_table_privilege('public', 'audit.event', 'UPDATE') as u, has_table_privilege('public', 'audit.event', 'DELETE') as d`,
    );
    expect(privileges.rows[0]).toEqual({ u: false, d: false });
    expect(await ids(pool)).toEqual([1, 2]);
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 2 });
  });

  it('verify names the first altered row', async () => {
    await appendAudit(pool, Array.from({ length: 5 }, (_, i) => readEvent(physician, PATIENT_1, { requestId: `r${i}` })));
    await tamper(db.url, `update audit.event set actor_id = 'user-innocent' where id = 3`);
    expect(await verifyAuditChain(db.url, { pageSize: 2 })).toMatchObject({ ok: false, brokenId: '3', problem: 'hash_mismatch', rows: 2 });
  });

  it('verify detects an altered row whose own hash was recomputed, via the next link', async () => {
    await appendAudit(pool, Array.from({ length: 4 }, (_, i) => readEvent(physician, PATIENT_1, { requestId: `r${i}` })));
    await tamper(db.url, `update audit.event set outcome = 'denied' where id = 2`);
    // recompute row 2's hash the way the trigger would
    await tamper(
      db.url,
      `update audit.event e set hash = sha256(e.prev_hash || convert_to(jsonb_build_array(1, e.id::text,
         to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), e.service, e.request_id, e.actor_type,
         e.actor_id, e.actor_role, e.actor_organization_id::text, e.action, e.outcome, e.patient_id::text,
         to_jsonb(e.record_types), e.purpose, e.detail)::text, 'UTF8')) where id = 2`,
    );
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: false, brokenId: '3', problem: 'broken_link' });
  });

  it('verify names the row after a deleted one, and an anchor catches removal at the end', async () => {
    await appendAudit(pool, Array.from({ length: 5 }, (_, i) => readEvent(physician, PATIENT_1, { requestId: `r${i}` })));
    const intact = await verifyAuditChain(pool);
    if (!intact.ok || !intact.head) throw new Error('expected an intact chain');
    expect(await verifyAuditChain(pool, { anchor: intact.head })).toMatchObject({ ok: true, rows: 5 });

    await tamper(db.url, 'delete from audit.event where id = 5');
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: true, rows: 4 }); // undetectable without an anchor
    expect(await verifyAuditChain(pool, { anchor: intact.head })).toMatchObject({ ok: false, brokenId: '5', problem: 'anchor_mismatch' });

    await tamper(db.url, 'delete from audit.event where id = 2');
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: false, brokenId: '3', problem: 'gap', rows: 1 });
  });

  it('verify also notices the first rows being removed', async () => {
    await appendAudit(pool, [readEvent(physician, PATIENT_1), readEvent(physician, PATIENT_1)]);
    await tamper(db.url, 'delete from audit.event where id = 1');
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: false, brokenId: '2', problem: 'gap' });
  });

  it('queryAudit filters and paginates newest first', async () => {
    // three transactions so occurred_at differs; several rows share one occurred_at within each
    await appendAudit(pool, [
      readEvent(physician, PATIENT_1, { recordTypes: ['Condition'] }),
      readEvent(physician, PATIENT_2),
      { ...readEvent(billing, PATIENT_1), action: 'denied', outcome: 'denied' },
    ]);
    const [{ t: middle }] = (await pool.query<{ t: Date }>('select clock_timestamp() as t')).rows;
    await appendAudit(pool, [
      readEvent(billing, PATIENT_2, { recordTypes: ['Claim'] }),
      { ...readEvent(physician, PATIENT_1), action: 'break_glass', outcome: 'success', purpose: 'emergency' },
    ]);
    await appendAudit(pool, [
      { service: 'identity', actor: physician, action: 'login', outcome: 'success' },
      { service: 'identity', actor: { type: 'anonymous', id: null, role: null, organizationId: null }, action: 'login_failed', outcome: 'failure' },
      readEvent(physician, PATIENT_1, { recordTypes: ['Observation'], breakGlass: true }),
    ]);

    // everything, two per page: ids 8..1, newest transaction first, id desc within one
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Awaited<ReturnType<typeof queryAudit>> = await queryAudit(pool, { first: 3, after });
      seen.push(...page.edges.map((edge) => edge.node.id));
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['8', '7', '6', '5', '4', '3', '2', '1']);
    expect(pages).toBe(3);

    const byActor = await queryAudit(pool, { actorId: 'user-bill', first: 10 });
    expect(byActor.edges.map((e) => e.node.id)).toEqual(['4', '3']);
    expect(byActor.edges[0].node).toMatchObject({ actorRole: 'billing', actorOrganizationId: ORG_B, recordTypes: ['Claim'], service: 'clinical', requestId: 'req-1' });

    const patient1 = await queryAudit(pool, { patientId: PATIENT_1, first: 2 });
    expect(patient1.edges.map((e) => e.node.id)).toEqual(['8', '5']);
    const patient1Next = await queryAudit(pool, { patientId: PATIENT_1, first: 2, after: patient1.pageInfo.endCursor });
    expect(patient1Next.edges.map((e) => e.node.id)).toEqual(['3', '1']);
    expect(patient1Next.pageInfo.hasNextPage).toBe(false);

    expect((await queryAudit(pool, { outcome: 'denied', first: 10 })).edges.map((e) => e.node.id)).toEqual(['3']);
    expect((await queryAudit(pool, { outcome: 'failure', action: 'login_failed', first: 10 })).edges.map((e) => e.node.actorType)).toEqual(['anonymous']);
    expect((await queryAudit(pool, { action: ['login', 'break_glass'], first: 10 })).edges.map((e) => e.node.id)).toEqual(['6', '5']);
    expect((await queryAudit(pool, { from: middle, first: 10 })).edges.map((e) => e.node.id)).toEqual(['8', '7', '6', '5', '4']);
    expect((await queryAudit(pool, { to: middle, first: 10 })).edges.map((e) => e.node.id)).toEqual(['3', '2', '1']);
    expect((await queryAudit(pool, { to: middle, actorId: 'user-phys', patientId: PATIENT_1, first: 10 })).edges.map((e) => e.node.id)).toEqual(['1']);
    // by the actor's organization (what a compliance officer is limited to)
    expect((await queryAudit(pool, { actorOrganizationId: ORG_B, first: 10 })).edges.map((e) => e.node.id)).toEqual(['4', '3']);
    expect((await queryAudit(pool, { actorOrganizationId: ORG_A, outcome: 'success', patientId: PATIENT_1, first: 10 })).edges.map((e) => e.node.id)).toEqual(['8', '5', '1']);
    const orgAFirst = await queryAudit(pool, { actorOrganizationId: ORG_A, first: 4 });
    expect(orgAFirst.edges.map((e) => e.node.id)).toEqual(['8', '6', '5', '2']);
    const orgANext = await queryAudit(pool, { actorOrganizationId: ORG_A, first: 4, after: orgAFirst.pageInfo.endCursor });
    expect(orgANext.edges.map((e) => e.node.id)).toEqual(['1']);
    expect(orgANext.pageInfo.hasNextPage).toBe(false);
    await expect(queryAudit(pool, { actorOrganizationId: 'org-a' })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'actorOrganizationId' } });
    expect(await pool.query(`select indexdef from pg_indexes where schemaname = 'audit' and indexname = 'event_actor_organization_idx'`)).toMatchObject({ rowCount: 1 });

    await expect(queryAudit(pool, { first: 0 })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    await expect(queryAudit(pool, { first: 5, after: 'bogus' })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
    await expect(queryAudit(pool, { first: 5, patientId: 'x' })).rejects.toMatchObject({ extensions: { field: 'patientId' } });

    // the patient's view: accesses only (no denied attempt, no logins), with the break-glass flag
    const history = await patientAccessHistory(pool, PATIENT_1, { first: 10 });
    expect(history.edges.map(({ node }) => [node.id, node.action, node.actorRole, node.breakGlass])).toEqual([
      ['8', 'read', 'physician', true],
      ['5', 'break_glass', 'physician', true],
      ['1', 'read', 'physician', false],
    ]);
    expect(history.edges[0].node).toMatchObject({ actorId: 'user-phys', actorOrganizationId: ORG_A, recordTypes: ['Observation'] });
    expect(history.edges[0].node).not.toHaveProperty('detail');
    const historyPage = await patientAccessHistory(pool, PATIENT_1, { first: 1, after: (await patientAccessHistory(pool, PATIENT_1, { first: 1 })).pageInfo.endCursor });
    expect(historyPage.edges.map((e) => e.node.id)).toEqual(['5']);
  });

  it('AuditLog folds a request\'s reads into one row per patient', async () => {
    const log = new AuditLog(pool, { service: 'clinical', requestId: 'req-42', actor: physician, purpose: 'treatment' });
    for (let i = 0; i < 30; i += 1) log.noteRead(PATIENT_1, i % 2 ? 'Observation' : 'Condition');
    log.noteRead(PATIENT_2, 'Encounter', 3);
    expect(log.pendingPatients).toBe(2);
    expect(await log.flush()).toEqual(['1', '2']);
    expect(await log.flush()).toEqual([]);
    await log.record({ action: 'write', outcome: 'success', patientId: PATIENT_2, recordTypes: ['Encounter'] });
    const page = await queryAudit(pool, { first: 10, actorId: 'user-phys' });
    expect(page.edges.map(({ node }) => [node.id, node.patientId, node.action, node.recordTypes, node.detail, node.requestId, node.purpose])).toEqual([
      ['3', PATIENT_2, 'write', ['Encounter'], {}, 'req-42', 'treatment'],
      ['2', PATIENT_2, 'read', ['Encounter'], { records: 3 }, 'req-42', 'treatment'],
      ['1', PATIENT_1, 'read', ['Condition', 'Observation'], { records: 30 }, 'req-42', 'treatment'],
    ]);
  });

  it('writes through a MikroORM EntityManager inside the caller\'s transaction', async () => {
    const orm = await MikroORM.init({ clientUrl: db.url, entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: false, debug: false });
    try {
      const em = orm.em.fork() as EntityManager;
      await ensureAuditSchema(em);
      await em.transactional(async (tx) => {
        await appendAudit(tx as EntityManager, readEvent(physician, PATIENT_1, { detail: { note: "it's a ? and $1" } }));
      });
      await expect(
        em.transactional(async (tx) => {
          await appendAudit(tx as EntityManager, readEvent(physician, PATIENT_2));
          throw new Error('the data change failed');
        }),
      ).rejects.toThrow('the data change failed');
      const rows = await queryAudit(em, { first: 10 });
      expect(rows.edges.map((e) => [e.node.id, e.node.patientId, e.node.detail])).toEqual([['1', PATIENT_1, { note: "it's a ? and $1" }]]);
      expect(await verifyAuditChain(em)).toMatchObject({ ok: true, rows: 1 });
    } finally {
      await orm.close(true);
    }
  });

  it('the audit:verify CLI exits 0 on an intact log and 1 naming the first broken row', async () => {
    const cli = path.join(repoRoot, 'tools/dist/audit-verify.js');
    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    await appendAudit(pool, Array.from({ length: 3 }, () => readEvent(physician, PATIENT_1)));
    const ok = await run(process.execPath, [cli], { cwd: repoRoot, env });
    expect(ok.stdout).toMatch(/^audit log intact: 3 event\(s\), head 3:[0-9a-f]{64}\n$/);

    await tamper(db.url, `update audit.event set purpose = 'cover-up' where id = 2`);
    const failed = await run(process.execPath, [cli], { cwd: repoRoot, env }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^audit log BROKEN at row 2 \(hash_mismatch\)/);
  });
});
