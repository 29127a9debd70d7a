import type { AuditExecutor } from './sql';
import { auditRows, insertAuditRows, type AuditEvent, type AuditRow } from './writer';

interface Waiting {
  rows: AuditRow[];
  resolve(ids: string[]): void;
  reject(error: unknown): void;
}

/** The most rows one insert carries (a flood of requests is written in several). */
export const MAX_AUDIT_BATCH_ROWS = 1000;

/**
 * Group commit for the audit log: standalone events (a request's reads, refusals; not the rows a
 * write commits in its own transaction) from all the requests of one process go to the database
 * together. The hash chain appends one row at a time under one lock for the whole database
 * (schema.ts), held until the appending transaction commits, so one row per statement caps every
 * service of every instance at what one lock-and-commit allows (about 1,700 rows a second on the
 * benchmark machine); one statement for many rows pays that once (BENCHMARKS.md, "Audit appends").
 *
 * Nothing waits for company: an append with no insert in flight is sent at once. Appends that arrive
 * while one is in flight are sent together as soon as it completes. Each caller's promise resolves
 * with its own ids once its rows are committed, so a request still answers only after its audit
 * rows are durable. If the database refuses a batch, each caller's rows are tried on their own:
 * one request's bad row never costs another request its audit.
 */
export class AuditBatcher {
  private queue: Waiting[] = [];
  private sending = false;

  /** `executor`: where batches go, outside any transaction (e.g. a fork of the service's EntityManager). */
  constructor(
    private readonly executor: AuditExecutor,
    private readonly maxRows = MAX_AUDIT_BATCH_ROWS,
  ) {}

  /** Appends the events (validated now: a refused event throws here, for this caller only) and resolves with their ids, in order. */
  append(events: AuditEvent | readonly AuditEvent[]): Promise<string[]> {
    const rows = auditRows(events);
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise<string[]>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length) await this.send(this.take());
    } finally {
      this.sending = false;
    }
  }

  /** The next batch: whole callers in arrival order, at most maxRows rows (or one caller with more). */
  private take(): Waiting[] {
    let rows = this.queue[0].rows.length;
    let callers = 1;
    while (callers < this.queue.length && rows + this.queue[callers].rows.length <= this.maxRows) {
      rows += this.queue[callers].rows.length;
      callers += 1;
    }
    return this.queue.splice(0, callers);
  }

  private async send(batch: Waiting[]): Promise<void> {
    try {
      const ids = await insertAuditRows(this.executor, batch.flatMap((waiting) => waiting.rows));
      let offset = 0;
      for (const waiting of batch) {
        waiting.resolve(ids.slice(offset, offset + waiting.rows.length));
        offset += waiting.rows.length;
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      for (const waiting of batch) {
        try {
          waiting.resolve(await insertAuditRows(this.executor, waiting.rows));
        } catch (alone) {
          waiting.reject(alone);
        }
      }
    }
  }
}
