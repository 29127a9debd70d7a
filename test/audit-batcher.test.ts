import { Pool } from 'pg';
import { AuditBatcher, AuditLog, ensureAuditSchema, verifyAuditChain, type AuditEvent, type PgQueryable, type Principal } from '@caregraph/platform';
import { createTestDatabase } from './support/database';

const PATIENT = '7d4a5e0c-1b2c-4d3e-8f90-a1b2c3d4e501';
const physician: Principal = { kind: 'user', userId: 'user-phys', role: 'physician', organizationId: null, patientId: null, sessionId: 's1' };

const read = (requestId: string, n = 0): AuditEvent => ({
  service: 'clinical', requestId, actor: physician, action: 'read', outcome: 'success', patientId: PATIENT, recordTypes: ['Observation'], detail: { records: n },
});

/**
 * Group commit of the audit log (packages/platform/src/audit/batcher.ts): the standalone audit rows
 * of concurrent requests of one process go to the database together, each caller still answered
 * with its own ids once they are committed, on a real database and its hash chain.
 */
describe('AuditBatcher', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  /** The pool, counting the statements sent through it and the rows each carried. */
  let counted: PgQueryable & { rowsPerStatement: number[] };

  beforeAll(async () => {
    db = await createTestDatabase('audit_batcher');
    await ensureAuditSchema(db.url);
    pool = new Pool({ connectionString: db.url, max: 4 });
  });
  beforeEach(() => {
    const rowsPerStatement: number[] = [];
    counted = {
      rowsPerStatement,
      query: (text: string, values?: unknown[]) => {
        rowsPerStatement.push(JSON.parse(String(values?.[0] ?? '[]')).length);
        return pool.query(text, values);
      },
    };
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** What the log holds for these ids, in id order. */
  const stored = async (ids: string[]) =>
    (await pool.query<{ request_id: string; records: number }>(`select request_id, (detail->>'records')::int as records from audit.event where id = any($1::bigint[]) order by id`, [ids])).rows;

  it('sends an append at once when nothing is in flight, and answers with its ids once committed', async () => {
    const batcher = new AuditBatcher(counted);
    const ids = await batcher.append([read('alone-1', 1), read('alone-1', 2)]);
    expect(counted.rowsPerStatement).toEqual([2]);
    expect(await stored(ids)).toEqual([{ request_id: 'alone-1', records: 1 }, { request_id: 'alone-1', records: 2 }]);
  });

  it("writes the appends of sixty concurrent requests in two statements, each caller getting its own rows' ids, in order", async () => {
    const batcher = new AuditBatcher(counted);
    const callers = Array.from({ length: 60 }, (_, i) => Array.from({ length: 1 + (i % 3) }, (_, n) => read(`many-${i}`, n)));
    const answers = await Promise.all(callers.map((events) => batcher.append(events)));
    // the first went alone; the other 59 arrived while it was in flight and went together
    expect(counted.rowsPerStatement).toEqual([1, callers.slice(1).reduce((sum, events) => sum + events.length, 0)]);
    for (const [i, ids] of answers.entries()) {
      expect(await stored(ids)).toEqual(callers[i].map((event) => ({ request_id: event.requestId, records: event.detail!.records })));
    }
    expect(await verifyAuditChain(db.url)).toMatchObject({ ok: true });
  });

  it('splits a flood into statements of at most maxRows rows, never splitting one caller', async () => {
    const batcher = new AuditBatcher(counted, 10);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => batcher.append([read(`flood-${i}`, 0), read(`flood-${i}`, 1), read(`flood-${i}`, 2)])));
    expect(counted.rowsPerStatement).toEqual([3, ...Array(9).fill(9), 6]);
    expect(new Set(answers.flat()).size).toBe(90);
  });

  it("fails only the caller whose row the database refuses; the others' rows are stored", async () => {
    const batcher = new AuditBatcher(counted);
    const first = batcher.append(read('refused-first'));
    // jsonb cannot hold \u0000: the database refuses the batch that carries it
    const results = await Promise.allSettled([first, batcher.append(read('refused-ok-1')), batcher.append({ ...read('refused-bad'), detail: { note: 'a\u0000b' } }), batcher.append(read('refused-ok-2'))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const ids = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    expect((await stored(ids)).map((row) => row.request_id)).toEqual(['refused-first', 'refused-ok-1', 'refused-ok-2']);
    expect((await pool.query(`select 1 from audit.event where request_id = 'refused-bad'`)).rowCount).toBe(0);
    expect(await verifyAuditChain(db.url)).toMatchObject({ ok: true });
  });

  it('refuses an event the log would refuse at once, to its caller only', async () => {
    const batcher = new AuditBatcher(counted);
    expect(() => batcher.append({ ...read('bad-uuid'), patientId: 'not-a-uuid' })).toThrow('patientId must be a uuid');
    expect(await stored(await batcher.append(read('after-bad-uuid')))).toEqual([{ request_id: 'after-bad-uuid', records: 0 }]);
    expect(counted.rowsPerStatement).toEqual([1]);
  });

  it("carries a request's AuditLog rows when no executor is named; a write's own transaction keeps its row", async () => {
    const batcher = new AuditBatcher(counted);
    const log = new AuditLog(pool, { service: 'clinical', requestId: 'log-1', actor: physician }, batcher);
    log.noteRead(PATIENT, 'Observation', 3);
    const [readId] = await log.flush();
    await log.record({ action: 'read', outcome: 'denied', patientId: PATIENT, recordTypes: ['Condition'] });
    expect(counted.rowsPerStatement).toEqual([1, 1]);
    expect(await stored([readId])).toEqual([{ request_id: 'log-1', records: 3 }]);

    // a write's audit row goes in the write's transaction, not through the batcher: rolled back with it
    const client = await pool.connect();
    try {
      await client.query('begin');
      await log.record({ action: 'write', outcome: 'success', patientId: PATIENT, recordTypes: ['Observation'] }, client);
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(counted.rowsPerStatement).toEqual([1, 1]);
    expect((await pool.query(`select 1 from audit.event where request_id = 'log-1' and action = 'write'`)).rowCount).toBe(0);
  });
});
