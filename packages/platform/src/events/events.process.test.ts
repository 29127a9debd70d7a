import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { MikroORM, defineConfig, type EntityManager } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { createTestDatabase } from '../../../../test/support/database';
import type { EventConsumerStatus } from './consumer';
import { publishEvents } from './publish';
import { ensureEventsSchema } from './schema';

async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface ConsumerProcess {
  child: ChildProcess;
  status?: EventConsumerStatus;
  inHandler: string[];
  exited: boolean;
}

/**
 * Consumers in real processes: the one holding the lock is killed with SIGKILL in the middle of a
 * handler's transaction, its session ends with it, and a standby process takes over.
 */
describe('event consumers in separate processes', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: MikroORM;
  let sql: Client;
  const processes: ConsumerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('events_proc');
    await ensureEventsSchema(db.url);
    orm = await MikroORM.init(defineConfig({ clientUrl: db.url, entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: false }));
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(`create schema evtest; create table evtest.delivered (
      seq bigserial primary key, consumer text not null, instance text not null, event_id bigint not null, topic text not null, key text not null, payload jsonb)`);
  });
  afterAll(async () => {
    for (const p of processes) if (!p.exited) p.child.kill('SIGKILL');
    await sql?.end();
    await orm?.close(true);
    await db?.drop();
  });

  function spawnConsumer(instance: string, env: Record<string, string> = {}): ConsumerProcess {
    const child = fork(path.join(__dirname, 'test-consumer-process.js'), [], {
      env: { ...process.env, DATABASE_URL: db.url, CONSUMER_NAME: 'proc-consumer', INSTANCE: instance, TOPIC: 'test.proc', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const handle: ConsumerProcess = { child, inHandler: [], exited: false };
    child.on('message', (message: { type: string; status?: EventConsumerStatus; id?: string }) => {
      if (message.type === 'status') handle.status = message.status;
      if (message.type === 'in-handler') handle.inHandler.push(message.id!);
    });
    child.on('exit', () => { handle.exited = true; });
    processes.push(handle);
    return handle;
  }

  const deliveries = async () =>
    (await sql.query<{ instance: string; event_id: string }>(`select instance, event_id::text as event_id from evtest.delivered order by seq`)).rows;
  const publish = (from: number, count: number) =>
    publishEvents(orm.em.fork() as EntityManager, Array.from({ length: count }, (_, i) => ({ topic: 'test.proc', key: `p${from + i}`, payload: { n: from + i }, producer: 'test' })));

  it('the active process is killed inside a handler: the standby takes over, nothing lost, nothing twice, in order', async () => {
    const ids = await publish(0, 40);
    const a = spawnConsumer('a', { SLOW_FROM: '25' }); // holds event 25's transaction open for 2 s
    await waitFor(() => a.status?.state === 'active', 'process a to be active');
    const b = spawnConsumer('b');
    await waitFor(() => b.status?.state === 'standby', 'process b on standby');

    await waitFor(() => a.inHandler.length > 0, 'process a inside the handler of event 25');
    a.child.kill('SIGKILL');
    const killedIn = a.inHandler[0];
    expect(killedIn).toBe(ids[25]);
    await waitFor(() => a.exited, 'process a to die');

    await waitFor(() => b.status?.state === 'active', 'process b to take over');
    const later = await publish(40, 10); // published after the takeover: reach b through its LISTEN
    await waitFor(async () => (await deliveries()).length >= 50, 'every event');

    const delivered = await deliveries();
    expect(delivered.map((d) => d.event_id)).toEqual([...ids, ...later]);
    expect(delivered.slice(0, 25).every((d) => d.instance === 'a')).toBe(true);
    // the event a died in: its uncommitted row vanished with a; b delivered it, once
    expect(delivered.filter((d) => d.event_id === killedIn)).toEqual([{ instance: 'b', event_id: killedIn }]);
    expect(delivered.slice(25).every((d) => d.instance === 'b')).toBe(true);
    const offset = await sql.query(`select last_id::text as last_id from events.consumer_offset where consumer = 'proc-consumer' and topic = 'test.proc'`);
    expect(offset.rows[0].last_id).toBe(later[later.length - 1]);

    // a graceful stop of b and a fresh process: nothing is delivered again
    b.child.send('stop');
    await waitFor(() => b.exited, 'process b to stop');
    const c = spawnConsumer('c');
    await waitFor(() => c.status?.state === 'active', 'process c to be active');
    const last = await publish(50, 3);
    await waitFor(async () => (await deliveries()).length >= 53, 'the last events');
    const final = await deliveries();
    expect(final.map((d) => d.event_id)).toEqual([...ids, ...later, ...last]);
    expect(final.slice(50).map((d) => d.instance)).toEqual(['c', 'c', 'c']);
    c.child.send('stop');
    await waitFor(() => c.exited, 'process c to stop');
  });
});
