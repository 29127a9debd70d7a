import {
  describeErrorForLog, EventConsumer, type DeliveredEvent, type EntityManager, type EventConsumerOptions, type Logger, type MikroORM,
} from '@caregraph/platform';
import { isUuid, payloadOf } from '../directory/directory.events';
import type { LiveHub } from '../live/live-hub';

/** The patients subgraph's src/access/access-narrowing-events.ts: who may see a patient narrows at `effectiveAt`. */
export const ACCESS_NARROWING_TOPIC = 'patient.access-narrowing';
export const ACCESS_RECHECK_CONSUMER = 'messaging.access-recheck';

/** The patient and when their access narrows, from one event (checked field by field). */
function narrowingOf(event: DeliveredEvent): { patientId: string; effectiveAt: Date } {
  const { payload, invalid } = payloadOf(event);
  const { patientId, effectiveAt } = payload;
  if (!isUuid(patientId) || patientId !== event.key) throw invalid('patientId');
  const at = typeof effectiveAt === 'string' ? new Date(effectiveAt) : null;
  if (!at || Number.isNaN(at.getTime())) throw invalid('effectiveAt');
  return { patientId: patientId.toLowerCase(), effectiveAt: at };
}

/**
 * Chart rooms are decided again when a patient's access narrows: at once for what has already
 * happened (a revocation, an ended registration, an expiry that passed while this service was
 * down), and at the time for what expires later (break-glass, consents with an end date): those
 * wait in messaging.access_recheck, which survives restarts, for the scheduler.
 */
export class AccessRecheckScheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(private readonly services: { orm: MikroORM; logger: Logger; live: LiveHub }, private readonly options: { pollIntervalMs?: number; retryMs?: number } = {}) {}

  /** Stores a recheck due at `dueAt` (in the consumer's transaction). */
  static async defer(em: EntityManager, patientId: string, dueAt: Date): Promise<void> {
    await em.execute(`insert into "messaging"."access_recheck" ("patient_id", "due_at") values (?, ?) on conflict do nothing`, [patientId, dueAt]);
  }

  start(): this {
    this.stopped = false;
    this.wake();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Runs what is due now, then sleeps until the next one (at most pollIntervalMs: other instances add rows too). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.runDue().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.max(0, ms));
    this.timer.unref();
  }

  private async runDue(): Promise<void> {
    const pollIntervalMs = this.options.pollIntervalMs ?? 30_000;
    try {
      for (;;) {
        // claimed under a row lock (other instances skip it) and deleted only if every recheck succeeds
        const done = await (this.services.orm.em.fork() as EntityManager).transactional(async (em) => {
          const due = await em.execute<{ patient_id: string }[]>(
            `delete from "messaging"."access_recheck" where ("patient_id", "due_at") in (
               select "patient_id", "due_at" from "messaging"."access_recheck" where "due_at" <= now() order by "due_at" limit 100 for update skip locked)
             returning "patient_id"`,
          );
          for (const patientId of new Set(due.map((row) => row.patient_id))) await this.services.live.recheckChart(patientId);
          return due.length;
        });
        if (done < 100) break;
      }
      const [next] = await (this.services.orm.em.fork() as EntityManager).execute<{ in_ms: number | null }[]>(
        `select extract(epoch from (min("due_at") - now())) * 1000 as "in_ms" from "messaging"."access_recheck"`,
      );
      this.schedule(next?.in_ms == null ? pollIntervalMs : Math.min(Number(next.in_ms) + 5, pollIntervalMs));
    } catch (error) {
      this.services.logger.error({ err: describeErrorForLog(error) }, 'access rechecks failed; retrying');
      this.schedule(this.options.retryMs ?? 5_000);
    }
  }
}

/**
 * Consumes `patient.access-narrowing`: a narrowing in effect now rechecks the patient's chart room
 * inside the handler (a failure is retried: the event stays unprocessed until the recheck ran); a
 * later one is stored for the scheduler, woken after commit.
 */
export function startAccessNarrowingConsumer(
  services: { orm: MikroORM; logger: Logger; live: LiveHub; scheduler: AccessRecheckScheduler },
  options: Partial<Omit<EventConsumerOptions, 'name' | 'topics' | 'handler' | 'batchHandler' | 'afterCommit' | 'orm' | 'logger'>> = {},
): Promise<EventConsumer> {
  return new EventConsumer({
    name: ACCESS_RECHECK_CONSUMER,
    topics: [ACCESS_NARROWING_TOPIC],
    handler: async (em, event) => {
      const { patientId, effectiveAt } = narrowingOf(event);
      if (effectiveAt.getTime() <= Date.now()) await services.live.recheckChart(patientId);
      else await AccessRecheckScheduler.defer(em, patientId, effectiveAt);
    },
    afterCommit: () => services.scheduler.wake(),
    orm: services.orm,
    logger: services.logger,
    ...options,
  }).start();
}
