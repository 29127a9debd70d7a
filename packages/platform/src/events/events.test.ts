import { MikroORM, defineConfig, type EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { createTestDatabase } from '../../../../test/support/database';
import { createLogger } from '../logging/logger';
import { EventConsumer, type DeliveredEvent, type EventConsumerOptions } from './consumer';
import { publishEvent, publishEvents } from './publish';
import { EVENTS_CHANNEL, EVENTS_SCHEMA_VERSION, ensureEventsSchema } from './schema';

/** Polls `check` until it returns a truthy value (no fixed sleeps): fails after `timeoutMs`. */
async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('events between services (platform)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: MikroORM;
  let sql: Client;
  const consumers: EventConsumer[] = [];
  const logger = createLogger('events-test', process.env.LOG_LEVEL ?? 'silent');
  let run = 0;

  beforeAll(async () => {
    db = await createTestDatabase('events');
    orm = await MikroORM.init(defineConfig({
      clientUrl: db.url, entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: false, pool: { min: 0, max: 6 },
    }));
    await ensureEventsSchema(db.url);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    // what the handlers write: one row per delivery, in delivery order
    await sql.query(`create schema evtest; create table evtest.delivered (
      seq bigserial primary key, consumer text not null, instance text not null, event_id bigint not null, topic text not null, key text not null, payload jsonb)`);
  });
  afterAll(async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await sql?.end();
    await orm?.close(true);
    await db?.drop();
  });

  const em = () => orm.em.fork() as EntityManager;
  /** A topic of its own per test, so tests do not see each other's events. */
  const topicName = (label: string) => `test.${label}.${(run += 1)}`;

  /** A handler that records each delivery in the handler's own transaction. */
  const recorder = (consumer: string, instance: string) => async (tx: EntityManager, event: DeliveredEvent) => {
    await tx.execute('insert into evtest.delivered (consumer, instance, event_id, topic, key, payload) values (?, ?, ?, ?, ?, ?::jsonb)',
      [consumer, instance, event.id, event.topic, event.key, JSON.stringify(event.payload)]);
  };

  function consumer(options: Partial<EventConsumerOptions> & Pick<EventConsumerOptions, 'name' | 'topics'>, instance = 'a'): EventConsumer {
    const created = new EventConsumer({
      orm, logger, handler: recorder(options.name, instance), pollIntervalMs: 500, lockRetryMs: 200, retryInitialMs: 50, retryMaxMs: 400, ...options,
    });
    consumers.push(created);
    return created;
  }

  const deliveries = async (name: string) =>
    (await sql.query<{ instance: string; event_id: string; topic: string; key: string; payload: unknown }>(
      'select instance, event_id::text as event_id, topic, key, payload from evtest.delivered where consumer = $1 order by seq', [name])).rows;

  const publishMany = async (topic: string, count: number, from = 0) =>
    publishEvents(em(), Array.from({ length: count }, (_, i) => ({ topic, key: `k${from + i}`, payload: { n: from + i }, producer: 'test' })));

  it('ensureEventsSchema is idempotent, also when services call it at once', async () => {
    const fresh = await createTestDatabase('events_schema');
    try {
      const pool = new Client({ connectionString: fresh.url });
      await pool.connect();
      try {
        expect(await Promise.all([ensureEventsSchema(fresh.url), ensureEventsSchema(fresh.url), ensureEventsSchema(fresh.url)]))
          .toEqual([EVENTS_SCHEMA_VERSION, EVENTS_SCHEMA_VERSION, EVENTS_SCHEMA_VERSION]);
        expect(await ensureEventsSchema(pool)).toBe(EVENTS_SCHEMA_VERSION);
        const tables = await pool.query(`select table_name from information_schema.tables where table_schema = 'events' order by 1`);
        expect(tables.rows.map((r) => r.table_name)).toEqual(['consumer_offset', 'event', 'schema_version']);
        const index = await pool.query(`select indexdef from pg_indexes where schemaname = 'events' and indexname = 'event_topic_id_idx'`);
        expect(index.rows[0].indexdef).toContain('(topic, id)');
      } finally {
        await pool.end();
      }
    } finally {
      await fresh.drop();
    }
  });

  it('notifies the topic at commit, never the payload, and nothing for a rollback', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const heard: { channel: string; payload?: string }[] = [];
    listener.on('notification', (message) => heard.push({ channel: message.channel, payload: message.payload }));
    await listener.query(`listen ${EVENTS_CHANNEL}`);
    try {
      const topic = topicName('notify');
      await em().transactional(async (tx) => {
        await publishEvent(tx as EntityManager, { topic, key: 'patient-1', payload: { secret: 'Jane Doe 1970-01-01' }, producer: 'test' });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(heard).toEqual([]); // not before commit
      });
      await waitFor(() => heard.length > 0, 'the notification');
      expect(heard).toEqual([{ channel: EVENTS_CHANNEL, payload: topic }]);

      const rolledBack = topicName('notify_rollback');
      await expect(em().transactional(async (tx) => {
        await publishEvent(tx as EntityManager, { topic: rolledBack, key: 'k', payload: {}, producer: 'test' });
        throw new Error('the change fails');
      })).rejects.toThrow('the change fails');
      await publishEvent(em(), { topic, key: 'k2', payload: {}, producer: 'test' }); // a later commit: notifications are in order
      await waitFor(() => heard.length > 1, 'the second notification');
      expect(heard.map((h) => h.payload)).toEqual([topic, topic]);
    } finally {
      await listener.end();
    }
  });

  it('never delivers an event published in a rolled-back transaction, and passes over its id', async () => {
    const topic = topicName('rollback');
    const c = await consumer({ name: 'rollback-consumer', topics: [topic] }).start();
    await waitFor(() => c.status().state === 'active', 'the consumer to be active');

    const [before] = await publishMany(topic, 1, 0);
    await expect(em().transactional(async (tx) => {
      await publishEvent(tx as EntityManager, { topic, key: 'never', payload: { n: -1 }, producer: 'test' });
      throw new Error('the producer change failed');
    })).rejects.toThrow();
    const [after] = await publishMany(topic, 1, 1);
    await waitFor(async () => (await deliveries('rollback-consumer')).length === 2, 'both committed events');
    const delivered = await deliveries('rollback-consumer');
    expect(delivered.map((d) => d.event_id)).toEqual([before, after]);
    expect(BigInt(after) - BigInt(before)).toBe(2n); // the rolled-back id lay between them
    expect(delivered.map((d) => d.key)).not.toContain('never');
    const stored = await sql.query('select count(*)::int as n from events.event where key = $1', ['never']);
    expect(stored.rows[0].n).toBe(0);
  });

  it('does not pass an id that is still in flight: later events wait until it commits, then come in id order', async () => {
    const topic = topicName('inflight');
    const c = await consumer({ name: 'inflight-consumer', topics: [topic] }).start();
    await waitFor(() => c.status().state === 'active', 'the consumer to be active');

    const slow = new Client({ connectionString: db.url });
    await slow.connect();
    try {
      await slow.query('begin');
      const first = (await slow.query(`insert into events.event (topic, key, payload, producer) values ($1, 'first', '{}', 'test') returning id::text as id`, [topic])).rows[0].id;
      const [second] = await publishMany(topic, 1); // committed, with a higher id
      expect(BigInt(second)).toBeGreaterThan(BigInt(first));
      // the consumer has seen `second` and knows an earlier id is missing: it waits
      await waitFor(() => c.status().waitingForGap, 'the consumer to wait for the missing id');
      await waitFor(async () => {
        const before = c.status().position;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return c.status().position === before;
      }, 'the consumer to settle');
      expect(await deliveries('inflight-consumer')).toEqual([]);
      await slow.query('commit');
      await waitFor(async () => (await deliveries('inflight-consumer')).length === 2, 'both events');
      expect((await deliveries('inflight-consumer')).map((d) => d.event_id)).toEqual([first, second]);
    } finally {
      await slow.end();
    }
  });

  it('delivers in order exactly once across a restart (stopped mid-stream, started again)', async () => {
    const topic = topicName('restart');
    const name = 'restart-consumer';
    const total = 120;
    const ids = await publishMany(topic, total);
    const slowRecorder = recorder(name, 'first');
    const first = await consumer({
      name, topics: [topic], batchSize: 25,
      handler: async (tx, event) => {
        await slowRecorder(tx, event);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    }).start();
    await waitFor(async () => (await deliveries(name)).length >= 30, 'the first deliveries');
    await first.stop();
    const afterStop = (await deliveries(name)).length;
    expect(afterStop).toBeLessThan(total); // stopped mid-stream
    const offset = await sql.query('select last_id::text as last_id from events.consumer_offset where consumer = $1 and topic = $2', [name, topic]);
    expect(offset.rows[0].last_id).toBe(ids[afterStop - 1]); // the offset is exactly what was handled

    const more = await publishMany(topic, 10, total); // published while no consumer runs
    await consumer({ name, topics: [topic] }, 'second').start();
    await waitFor(async () => (await deliveries(name)).length >= total + 10, 'every event');
    const delivered = await deliveries(name);
    expect(delivered.map((d) => d.event_id)).toEqual([...ids, ...more]);
    expect(delivered.map((d) => (d.payload as { n: number }).n)).toEqual(Array.from({ length: total + 10 }, (_, i) => i));
    expect(new Set(delivered.slice(0, afterStop).map((d) => d.instance))).toEqual(new Set(['first']));
    expect(new Set(delivered.slice(afterStop).map((d) => d.instance))).toEqual(new Set(['second']));
  });

  it('runs one instance per consumer name; the other takes over when it stops', async () => {
    const topic = topicName('lock');
    const name = 'lock-consumer';
    const a = await consumer({ name, topics: [topic] }, 'a').start();
    await waitFor(() => a.status().state === 'active', 'instance a to be active');
    const b = await consumer({ name, topics: [topic] }, 'b').start();
    await waitFor(() => b.status().state === 'standby', 'instance b on standby');

    const firstIds = await publishMany(topic, 20);
    await waitFor(async () => (await deliveries(name)).length === 20, 'the first events');
    expect(b.status().state).toBe('standby');
    expect((await deliveries(name)).map((d) => d.instance)).toEqual(Array(20).fill('a'));

    await a.stop();
    await waitFor(() => b.status().state === 'active', 'instance b to take over');
    const laterIds = await publishMany(topic, 20, 20);
    await waitFor(async () => (await deliveries(name)).length === 40, 'the later events');
    const delivered = await deliveries(name);
    expect(delivered.map((d) => d.event_id)).toEqual([...firstIds, ...laterIds]);
    expect(delivered.slice(20).map((d) => d.instance)).toEqual(Array(20).fill('b'));
  });

  it('retries a failing handler with backoff and never skips the event; failed attempts leave nothing', async () => {
    const topic = topicName('failure');
    const name = 'failing-consumer';
    const ids = await publishMany(topic, 5);
    let attempts = 0;
    const record = recorder(name, 'a');
    const c = await consumer({
      name, topics: [topic],
      handler: async (tx, event) => {
        await record(tx, event); // written, then rolled back with the failure
        if (event.id === ids[2]) {
          attempts += 1;
          if (attempts <= 3) throw new Error('downstream unavailable');
        }
      },
    }).start();
    await waitFor(() => c.status().failures >= 2, 'a second failure');
    // stuck on the failing event: later ones wait, the failed attempts left no row
    expect((await deliveries(name)).map((d) => d.event_id)).toEqual(ids.slice(0, 2));
    await waitFor(async () => (await deliveries(name)).length === 5, 'every event after the retries');
    expect(attempts).toBe(4);
    expect((await deliveries(name)).map((d) => d.event_id)).toEqual(ids);
    expect(c.status().failures).toBe(0);
  });

  it('delivers only its topics, several topics in one id order, and restarts each topic at its own offset', async () => {
    const [x, y, other] = [topicName('x'), topicName('y'), topicName('other')];
    const name = 'multi-consumer';
    const published: string[] = [];
    for (let i = 0; i < 6; i++) {
      published.push(await publishEvent(em(), { topic: [x, y, other][i % 3], key: `m${i}`, payload: { i }, producer: 'test' }));
    }
    const c = await consumer({ name, topics: [x, y] }).start();
    await waitFor(async () => (await deliveries(name)).length === 4, 'the events of x and y');
    const delivered = await deliveries(name);
    expect(delivered.map((d) => d.event_id)).toEqual([published[0], published[1], published[3], published[4]]);
    expect(delivered.map((d) => d.topic)).toEqual([x, y, x, y]);
    await waitFor(async () => {
      const rows = (await sql.query('select topic, last_id::text as last_id from events.consumer_offset where consumer = $1 order by topic', [name])).rows;
      return rows.length === 2 && rows.every((row) => row.last_id === published[5]); // moved past the other topic's last id too
    }, 'both offsets at the stream position');
    await c.stop();

    // a topic added later starts from its beginning; the others go on from their offsets
    const z = topicName('z');
    const zId = await publishEvent(em(), { topic: z, key: 'z0', payload: {}, producer: 'test' });
    const xId = await publishEvent(em(), { topic: x, key: 'x-late', payload: {}, producer: 'test' });
    await consumer({ name, topics: [x, y, z] }).start();
    await waitFor(async () => (await deliveries(name)).length === 6, 'the new events');
    expect((await deliveries(name)).slice(4).map((d) => d.event_id)).toEqual([zId, xId]);
  });

  describe('batch mode (batchHandler)', () => {
    /** Records each event of a batch with the batch's number: which events shared a transaction. */
    const batchRecorder = (name: string, instance: string, batches: { count: number }) => async (tx: EntityManager, events: readonly DeliveredEvent[]) => {
      batches.count += 1;
      for (const event of events) {
        await tx.execute('insert into evtest.delivered (consumer, instance, event_id, topic, key, payload) values (?, ?, ?, ?, ?, ?::jsonb)',
          [name, instance, event.id, event.topic, event.key, JSON.stringify({ batch: batches.count })]);
      }
    };

    it('handles a read of many events in one transaction, in order, exactly once across a restart', async () => {
      const topic = topicName('batch');
      const name = 'batch-consumer';
      const ids = await publishMany(topic, 90);
      const first = { count: 0 };
      const a = await consumer({ name, topics: [topic], handler: undefined, batchHandler: batchRecorder(name, 'a', first), batchSize: 40 }, 'a').start();
      await waitFor(async () => (await deliveries(name)).length === 90, 'every event');
      expect((await deliveries(name)).map((d) => d.event_id)).toEqual(ids);
      expect(first.count).toBeLessThanOrEqual(4); // 90 events at 40 per read: three or four transactions, not 90
      await a.stop();

      const more = await publishMany(topic, 5, 90);
      const second = { count: 0 };
      await consumer({ name, topics: [topic], handler: undefined, batchHandler: batchRecorder(name, 'b', second) }, 'b').start();
      await waitFor(async () => (await deliveries(name)).length === 95, 'the later events');
      const delivered = await deliveries(name);
      expect(delivered.map((d) => d.event_id)).toEqual([...ids, ...more]);
      expect(delivered.slice(90).map((d) => d.instance)).toEqual(Array(5).fill('b')); // nothing handled twice after the restart
    });

    it('rolls a failing batch back whole and retries it whole; nothing is skipped', async () => {
      const topic = topicName('batch-failure');
      const name = 'batch-failing-consumer';
      const ids = await publishMany(topic, 6);
      let attempts = 0;
      const batches = { count: 0 };
      const record = batchRecorder(name, 'a', batches);
      const c = await consumer({
        name, topics: [topic], handler: undefined,
        batchHandler: async (tx, events) => {
          await record(tx, events); // written, then rolled back with the failure
          if (events.some((event) => event.id === ids[3]) && (attempts += 1) <= 2) throw new Error('downstream unavailable');
        },
      }).start();
      await waitFor(() => c.status().failures >= 1, 'a failure');
      expect(await deliveries(name)).toEqual([]); // the batch held ids[3], and nothing of it stayed
      await waitFor(async () => (await deliveries(name)).length === 6, 'every event after the retries');
      expect(attempts).toBe(3);
      expect((await deliveries(name)).map((d) => d.event_id)).toEqual(ids);
    });

    it('calls afterCommit with what each handler returned once its transaction committed, never for a rolled-back attempt', async () => {
      for (const mode of ['handler', 'batchHandler'] as const) {
        const topic = topicName(`after-commit-${mode}`);
        const name = `after-commit-${mode}`;
        const ids = await publishMany(topic, 3);
        const seen: { ids: string[]; committed: boolean[] }[] = [];
        let failed = false;
        const handled = async (tx: EntityManager, events: readonly DeliveredEvent[]) => {
          await batchRecorder(name, 'a', { count: 0 })(tx, events);
          if (!failed && events.some((event) => event.id === ids[1])) {
            failed = true;
            throw new Error('downstream unavailable');
          }
          return events.map((event) => event.id);
        };
        await consumer({
          name, topics: [topic], retryInitialMs: 20,
          ...(mode === 'handler' ? { handler: (tx, event) => handled(tx, [event]) } : { handler: undefined, batchHandler: handled }),
          // what the handler wrote is visible to another connection: its transaction has committed
          afterCommit: async (result) => {
            const stored = await deliveries(name);
            seen.push({ ids: result as string[], committed: (result as string[]).map((id) => stored.some((row) => row.event_id === id)) });
          },
        }).start();
        await waitFor(() => seen.flatMap((call) => call.ids).length === 3, `every event's afterCommit (${mode})`);
        expect(seen.flatMap((call) => call.ids)).toEqual(ids);
        expect(seen.every((call) => call.committed.every(Boolean))).toBe(true);
        expect(failed).toBe(true);
      }
    });

    it('needs exactly one of handler and batchHandler', () => {
      expect(() => new EventConsumer({ orm, logger, name: 'x', topics: ['t'] })).toThrow(/handler or a batchHandler/);
      expect(() => new EventConsumer({ orm, logger, name: 'x', topics: ['t'], handler: async () => undefined, batchHandler: async () => undefined })).toThrow(/one of them/);
    });
  });
});
