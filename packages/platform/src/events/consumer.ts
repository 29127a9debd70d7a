import { createHash } from 'node:crypto';
import { Client, type ClientConfig, type Notification } from 'pg';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { sqlFor } from '../audit/sql';
import { describeErrorForLog } from '../errors/errors';
import { EVENTS_CHANNEL, EVENTS_LOCK_CLASS } from './schema';

/** An event as a consumer's handler gets it. */
export interface DeliveredEvent<P = unknown> {
  /** events.event id (a bigint, as text). */
  id: string;
  topic: string;
  key: string;
  payload: P;
  occurredAt: Date;
  producer: string;
}

/**
 * Runs in one transaction with the consumer's offset update: commit = processed, throw = retried.
 * What it resolves to goes to `afterCommit`.
 */
export type EventHandler = (em: EntityManager, event: DeliveredEvent) => Promise<unknown>;

/**
 * Handles several events, in id order, in one transaction with the offset updates: one commit for
 * up to `batchSize` events, and room for set-based work (e.g. one recompute for every patient the
 * events touched). A throw rolls the whole batch back; it is retried whole.
 */
export type EventBatchHandler = (em: EntityManager, events: readonly DeliveredEvent[]) => Promise<unknown>;

export interface EventConsumerOptions {
  /** Stable name: offsets are stored under it, and one instance per name processes at a time. */
  name: string;
  topics: readonly string[];
  /** One event per transaction. Give this or `batchHandler`. */
  handler?: EventHandler;
  /** The contiguous events of each read in one transaction (see EventBatchHandler). */
  batchHandler?: EventBatchHandler;
  /**
   * Called with what the handler resolved to once its transaction has committed (e.g. live
   * delivery of what it stored). Never retried: a failure is logged and the events stay processed.
   */
  afterCommit?: (result: unknown) => void | Promise<void>;
  /** The handler's transactions run on this ORM's pool. */
  orm: MikroORM;
  logger: Logger;
  /** Where the dedicated listening connection goes; default: the ORM's database. */
  connection?: string | ClientConfig;
  /** Safety-net poll, in case a notification was missed (default 3000 ms). */
  pollIntervalMs?: number;
  /** How often a standby instance tries to take over, and reconnect delay (default 3000 ms). */
  lockRetryMs?: number;
  /** Events read per query (default 200). */
  batchSize?: number;
  /** Backoff after a failed handler: first delay, doubling up to the max (default 500 ms, 60 s). */
  retryInitialMs?: number;
  retryMaxMs?: number;
}

export type EventConsumerState = 'stopped' | 'connecting' | 'standby' | 'active';

export interface EventConsumerStatus {
  state: EventConsumerState;
  /** Every event id up to here is processed (or not one of our topics). Null when not active. */
  position: string | null;
  /** The next events wait behind an id that is not visible yet (in flight, or rolled back). */
  waitingForGap: boolean;
  /** Consecutive failures of the event being retried. */
  failures: number;
  /** Events handled since start. */
  processed: number;
}

interface EventRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  occurred_at: Date;
  producer: string;
  snapshot: string;
}

type BatchOutcome = 'more' | 'done' | 'gap' | 'stopped';

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** The advisory lock key (second int) of a consumer name. */
function lockKeyOf(name: string): number {
  return createHash('sha256').update(`events.consumer:${name}`).digest().readInt32BE(0);
}

/**
 * Delivers the events of `topics` to `handler`, in id order, effectively exactly once, surviving
 * restarts of the producer, of the consumer and of the database.
 *
 * - One instance per name: the dedicated listening connection holds `pg_try_advisory_lock` on a
 *   hash of the name. Other instances stay on standby, trying again every `lockRetryMs`; when the
 *   holder stops or dies, its session ends, the lock is released and a standby takes over.
 * - The active instance LISTENs on `caregraph_events`, then catches up from its stored offsets,
 *   and reads again on each notification and every `pollIntervalMs` (missed notifications).
 * - Each event's handler runs in one transaction with the update of (name, topic)'s offset, after
 *   locking that offset row: an event already processed (offset ahead) is never run twice, even if
 *   an instance that lost its lock is still finishing an event.
 * - A failing handler is logged (consumer, topic, event id, error kind; never the payload) and
 *   retried with exponential backoff; later events wait: nothing is skipped.
 *
 * Ids and gaps. A bigserial id is taken at insert but becomes visible at commit, so id 11 can be
 * visible while id 10 is still in flight, or was rolled back and never will be. Reading "id >
 * last" would skip 10 in the first case. So events are read in id order and consumed only while
 * ids are contiguous; at a missing id the consumer remembers the snapshot of that read, and waits
 * until every transaction in flight in it has ended (`pg_visible_in_snapshot` of its xip against a
 * newer snapshot, checked in the same repeatable-read transaction as the next read). Then the
 * missing ids up to the highest id of the earlier read are final: rolled back, skipped for good.
 * That is exact because `events.next_event_id()` gives the inserting transaction its xid before
 * it takes an id: whoever holds a missing id below a visible one was running at that snapshot.
 * A rollback is passed on the next check (milliseconds); an in-flight id holds later events only
 * until its transaction ends (its commit notifies). The stream position is global (all topics), so
 * a consumer reads other topics' ids too (without their payloads).
 */
export class EventConsumer {
  private readonly name: string;
  private readonly topics: ReadonlySet<string>;
  private readonly log: Logger;
  private readonly lockKey: number;
  private readonly pollIntervalMs: number;
  private readonly lockRetryMs: number;
  private readonly batchSize: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  private running = false;
  private state: EventConsumerState = 'stopped';
  private client?: Client;
  /** Every id <= position is final and processed. */
  private position = 0n;
  private savedPosition = 0n;
  private offsets = new Map<string, bigint>();
  /** A missing id we wait for: the snapshot we saw it missing in, and the highest id read then. */
  private gap?: { snapshot: string; upTo: bigint };
  private gapChecks = 0;
  private dirty = false;
  private pump?: Promise<void>;
  private pollTimer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private blockedUntil = 0;
  private failures = 0;
  private processed = 0;
  private current?: { id: string; topic: string };

  constructor(private readonly options: EventConsumerOptions) {
    if (!options.name) throw new Error('an event consumer needs a name');
    if (!options.topics.length) throw new Error('an event consumer needs at least one topic');
    if (!options.handler === !options.batchHandler) throw new Error('an event consumer needs a handler or a batchHandler (one of them)');
    this.name = options.name;
    this.topics = new Set(options.topics);
    this.log = options.logger.child({ consumer: options.name });
    this.lockKey = lockKeyOf(options.name);
    this.pollIntervalMs = options.pollIntervalMs ?? 3000;
    this.lockRetryMs = options.lockRetryMs ?? 3000;
    this.batchSize = options.batchSize ?? 200;
    this.retryInitialMs = options.retryInitialMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 60_000;
  }

  /** Connects and takes the lock, or stays on standby; resolves without waiting for the catch-up. */
  async start(): Promise<this> {
    if (this.running) return this;
    this.running = true;
    this.processed = 0;
    await this.connect();
    return this;
  }

  /** Lets the event being handled finish, records the position, releases the lock. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.state = 'stopped';
    this.clearTimers();
    await this.pump?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client) {
      await this.savePosition(client).catch(() => undefined);
      await client.end().catch(() => undefined); // ends the session: lock and LISTEN released
    }
    this.log.debug('event consumer stopped');
  }

  status(): EventConsumerStatus {
    return {
      state: this.state,
      position: this.state === 'active' ? this.position.toString() : null,
      waitingForGap: this.state === 'active' && this.gap !== undefined,
      failures: this.failures,
      processed: this.processed,
    };
  }

  private clientConfig(): ClientConfig {
    const given = this.options.connection;
    const base: ClientConfig = typeof given === 'string' ? { connectionString: given }
      : given ? { ...given }
        : this.options.orm.config.get('clientUrl') ? { connectionString: this.options.orm.config.get('clientUrl') }
          : { ...(this.options.orm.em.getConnection().getConnectionOptions() as ClientConfig) };
    return { ...base, keepAlive: true, application_name: `caregraph-events:${this.name}`.slice(0, 63) };
  }

  private async connect(): Promise<void> {
    if (!this.running || this.client) return;
    this.state = 'connecting';
    const client = new Client(this.clientConfig());
    this.client = client;
    client.on('error', (error) => this.connectionLost(client, error));
    client.on('end', () => this.connectionLost(client));
    client.on('notification', (message) => this.onNotification(message));
    try {
      await client.connect();
      await this.tryLock(client);
    } catch (error) {
      this.connectionLost(client, error);
    }
  }

  private async tryLock(client: Client): Promise<void> {
    if (!this.running || this.client !== client) return;
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [EVENTS_LOCK_CLASS, this.lockKey]);
    if (!rows[0].locked) {
      if (this.state !== 'standby') this.log.info('event consumer on standby: another instance holds the lock');
      this.state = 'standby';
      this.schedule(this.lockRetryMs, () => {
        this.tryLock(client).catch((error: unknown) => this.connectionLost(client, error));
      });
      return;
    }
    // an earlier pump of this instance (connection lost mid-event) finishes before we start over
    await this.pump?.catch(() => undefined);
    await client.query(`listen ${EVENTS_CHANNEL}`);
    await this.loadOffsets(client);
    if (!this.running || this.client !== client) return;
    this.state = 'active';
    this.log.info({ position: this.position.toString() }, 'event consumer active');
    this.pollTimer = setInterval(() => this.kick(), this.pollIntervalMs);
    this.pollTimer.unref();
    this.kick();
  }

  private connectionLost(client: Client, error?: unknown): void {
    if (this.client !== client) return; // an old client, or our own stop()
    this.client = undefined;
    this.clearTimers();
    this.gap = undefined;
    this.state = this.running ? 'connecting' : 'stopped';
    client.end().catch(() => undefined);
    if (!this.running) return;
    this.log.warn({ err: error ? describeErrorForLog(error) : undefined }, 'event consumer lost its database connection; reconnecting');
    this.schedule(this.lockRetryMs, () => void this.connect());
  }

  private onNotification(message: Notification): void {
    if (message.channel !== EVENTS_CHANNEL) return;
    // any commit may fill the gap we wait for; otherwise only our topics matter
    if (this.gap || this.topics.has(message.payload ?? '')) this.kick();
  }

  private async loadOffsets(client: Client): Promise<void> {
    const topics = [...this.topics];
    await client.query(
      `insert into events.consumer_offset (consumer, topic) select $1, t from unnest($2::text[]) as t on conflict do nothing`,
      [this.name, topics],
    );
    const { rows } = await client.query<{ topic: string; last_id: string }>(
      'select topic, last_id::text as last_id from events.consumer_offset where consumer = $1 and topic = any($2::text[])',
      [this.name, topics],
    );
    this.offsets = new Map(rows.map((row) => [row.topic, BigInt(row.last_id)]));
    // the stream restarts at the least advanced topic; events of the others up to their offset are skipped
    this.position = topics.reduce((least, topic) => {
      const offset = this.offsets.get(topic) ?? 0n;
      return offset < least ? offset : least;
    }, this.offsets.get(topics[0]) ?? 0n);
    this.savedPosition = this.position;
    this.gap = undefined;
    this.gapChecks = 0;
    this.failures = 0;
    this.blockedUntil = 0;
  }

  private kick(): void {
    this.dirty = true;
    if (this.pump || this.state !== 'active' || Date.now() < this.blockedUntil) return;
    this.pump = this.drain().finally(() => {
      this.pump = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.dirty && this.state === 'active') {
      this.dirty = false;
      const client = this.client;
      let outcome: BatchOutcome;
      try {
        outcome = await this.batch();
      } catch (error) {
        // connection lost or stopping meanwhile: the reconnect (or nothing) takes it from here
        if (this.state === 'active' && this.client === client) this.failed(error);
        else this.current = undefined;
        return;
      }
      if (outcome === 'more') this.dirty = true;
      if (outcome === 'gap') {
        // a rollback is seen as final on the next check; an in-flight commit also notifies
        const delay = Math.min(this.pollIntervalMs, 25 * 2 ** Math.min(this.gapChecks, 10));
        this.gapChecks += 1;
        this.schedule(delay, () => this.kick());
      }
    }
  }

  private failed(error: unknown): void {
    this.failures += 1;
    const delay = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.min(this.failures - 1, 20));
    this.blockedUntil = Date.now() + delay;
    this.log.error(
      { topic: this.current?.topic, eventId: this.current?.id, attempt: this.failures, retryInMs: delay, err: describeErrorForLog(error) },
      this.current ? 'event handler failed; retrying the same event (later events wait)' : 'event consumer could not read events; retrying',
    );
    this.current = undefined;
    this.schedule(delay, () => {
      this.blockedUntil = 0;
      this.kick();
    });
  }

  /** Reads the next events after `position`, consumes the contiguous ones, records the position. */
  private async batch(): Promise<BatchOutcome> {
    const client = this.client;
    if (!client) return 'stopped';
    if (this.gap && this.position >= this.gap.upTo) this.gap = undefined;

    let settledUpTo = this.position;
    let rows: EventRow[];
    // one snapshot for the gap check and the read: what the check says has ended is visible to the read
    await client.query('begin isolation level repeatable read read only');
    try {
      if (this.gap) {
        const check = await client.query<{ settled: boolean }>(
          `select coalesce(bool_and(pg_visible_in_snapshot(x, pg_current_snapshot())), true) as settled
             from pg_snapshot_xip($1::pg_snapshot) as x`,
          [this.gap.snapshot],
        );
        if (check.rows[0].settled) {
          settledUpTo = this.gap.upTo;
          this.gap = undefined;
          this.gapChecks = 0;
        }
      }
      rows = (await client.query<EventRow>(
        `select e.id::text as id, e.topic, e.key, case when e.topic = any($2::text[]) then e.payload end as payload, e.occurred_at, e.producer,
                pg_current_snapshot()::text as snapshot
           from events.event e where e.id > $1::bigint order by e.id limit $3`,
        [this.position.toString(), [...this.topics], this.batchSize],
      )).rows;
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }

    let outcome: BatchOutcome = rows.length === this.batchSize ? 'more' : 'done';
    const deliverable: EventRow[] = [];
    let reached = this.position;
    for (const row of rows) {
      if (this.state !== 'active') {
        outcome = 'stopped';
        break;
      }
      const id = BigInt(row.id);
      if (id > reached + 1n && id - 1n > settledUpTo) {
        // an id before this one is not visible: in flight (never skip it) or rolled back (settles soon)
        this.gap ??= { snapshot: row.snapshot, upTo: BigInt(rows[rows.length - 1].id) };
        outcome = 'gap';
        break;
      }
      if (this.options.batchHandler) {
        if (this.topics.has(row.topic)) deliverable.push(row);
      } else {
        if (this.topics.has(row.topic)) await this.handle(row, id);
        this.position = id;
      }
      reached = id;
    }
    if (this.options.batchHandler && outcome !== 'stopped') {
      await this.handleMany(deliverable);
      this.position = reached;
    }
    await this.savePosition(client);
    return outcome;
  }

  /** The batchHandler path: every deliverable event of one read in one transaction. */
  private async handleMany(rows: readonly EventRow[]): Promise<void> {
    const fresh = rows.filter((row) => BigInt(row.id) > (this.offsets.get(row.topic) ?? 0n));
    if (fresh.length === 0) return;
    this.current = { id: fresh[0].id, topic: fresh[0].topic };
    const em = this.options.orm.em.fork({ clear: true }) as EntityManager;
    let result: unknown;
    const handled = await em.transactional(async (tx) => {
      const sql = sqlFor(tx as EntityManager);
      const topics = [...new Set(fresh.map((row) => row.topic))];
      // the offset rows, locked: an instance that lost its lock mid-batch and this one cannot both run it
      // (lists travel as jsonb: one shape whether the executor is pg or MikroORM)
      const offsets = await sql.query<{ topic: string; last_id: string }>(
        `select topic, last_id::text as last_id from events.consumer_offset
          where consumer = $1 and topic in (select jsonb_array_elements_text($2::jsonb)) for update`,
        [this.name, JSON.stringify(topics)],
      );
      const done = new Map(offsets.map((offset) => [offset.topic, BigInt(offset.last_id)]));
      const events = fresh.filter((row) => BigInt(row.id) > (done.get(row.topic) ?? 0n)).map((row): DeliveredEvent => ({
        id: row.id, topic: row.topic, key: row.key, payload: row.payload, occurredAt: row.occurred_at, producer: row.producer,
      }));
      if (events.length === 0) return 0;
      result = await this.options.batchHandler!(tx as EntityManager, events);
      const last = new Map<string, string>();
      for (const event of events) last.set(event.topic, event.id);
      await sql.query(
        `insert into events.consumer_offset (consumer, topic, last_id)
         select $1, t.key, t.value::bigint from jsonb_each_text($2::jsonb) as t
         on conflict (consumer, topic) do update set last_id = greatest(events.consumer_offset.last_id, excluded.last_id), updated_at = now()`,
        [this.name, JSON.stringify(Object.fromEntries(last))],
      );
      return events.length;
    });
    for (const row of fresh) this.offsets.set(row.topic, max(this.offsets.get(row.topic) ?? 0n, BigInt(row.id)));
    this.processed += handled;
    this.failures = 0;
    this.current = undefined;
    if (handled) await this.committed(result);
  }

  private async committed(result: unknown): Promise<void> {
    try {
      await this.options.afterCommit?.(result);
    } catch (error) {
      this.log.error({ err: describeErrorForLog(error) }, 'event consumer afterCommit failed (the events stay processed)');
    }
  }

  private async handle(row: EventRow, id: bigint): Promise<void> {
    if (id <= (this.offsets.get(row.topic) ?? 0n)) return; // processed before (that topic was further along)
    this.current = { id: row.id, topic: row.topic };
    const event: DeliveredEvent = { id: row.id, topic: row.topic, key: row.key, payload: row.payload, occurredAt: row.occurred_at, producer: row.producer };
    const em = this.options.orm.em.fork({ clear: true }) as EntityManager;
    let result: unknown;
    const handled = await em.transactional(async (tx) => {
      const sql = sqlFor(tx as EntityManager);
      // the offset row, locked: an instance that lost its lock mid-event and this one cannot both run it
      const [offset] = await sql.query<{ last_id: string }>(
        'select last_id::text as last_id from events.consumer_offset where consumer = $1 and topic = $2 for update',
        [this.name, row.topic],
      );
      if (offset && BigInt(offset.last_id) >= id) return false;
      result = await this.options.handler!(tx as EntityManager, event);
      await sql.query(
        `insert into events.consumer_offset (consumer, topic, last_id) values ($1, $2, $3)
         on conflict (consumer, topic) do update set last_id = excluded.last_id, updated_at = now()`,
        [this.name, row.topic, row.id],
      );
      return true;
    });
    this.offsets.set(row.topic, id);
    if (handled) this.processed += 1;
    this.failures = 0;
    this.current = undefined;
    if (handled) await this.committed(result);
  }

  /** Moves every topic's stored offset up to the position (so a restart does not re-read ids already passed). */
  private async savePosition(client: Client): Promise<void> {
    if (this.position <= this.savedPosition) return;
    const position = this.position;
    await client.query(
      `update events.consumer_offset set last_id = $3, updated_at = now()
        where consumer = $1 and topic = any($2::text[]) and last_id < $3`,
      [this.name, [...this.topics], position.toString()],
    );
    this.savedPosition = position;
    for (const topic of this.topics) this.offsets.set(topic, max(this.offsets.get(topic) ?? 0n, position));
  }

  private schedule(ms: number, work: () => void): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      if (this.running) work();
    }, ms);
    this.wakeTimer.unref();
  }

  private clearTimers(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.pollTimer = undefined;
    this.wakeTimer = undefined;
  }
}

/** Starts a consumer (see EventConsumer); `stop()` it on shutdown. */
export async function startEventConsumer(options: EventConsumerOptions): Promise<EventConsumer> {
  return new EventConsumer(options).start();
}
