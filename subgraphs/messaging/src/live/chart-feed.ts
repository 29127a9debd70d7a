import { describeErrorForLog, type Logger } from '@caregraph/platform';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { CHART_FEED_CHANNEL, chartCommentEvents, type ChartEventReference } from '../comment/comment-log';
import type { ChartCommentEventPayload } from '../comment/comment-events';

const RECONNECT_MS = 1000;

/**
 * This instance's ear on the chart comment log's announcements (comment-log.ts): one LISTEN
 * connection; each announcement, in commit order, goes to `deliver` (an announcement by reference
 * is read from the log first, in turn, so the order holds). Reconnects when the connection drops;
 * clients that miss announcements meanwhile catch up by re-joining with their last seq.
 */
export class ChartFeed {
  private client?: Client;
  private running = false;
  private queue: Promise<void> = Promise.resolve();
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly orm: MikroORM,
    private readonly logger: Logger,
    private readonly deliver: (event: ChartCommentEventPayload) => void,
  ) {}

  /** Resolves once listening; rejects when the database cannot be reached at all. */
  async start(): Promise<void> {
    this.running = true;
    await this.listen(true);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.queue;
  }

  private async listen(first = false): Promise<void> {
    const client = new Client({ connectionString: this.orm.config.get('clientUrl'), application_name: 'caregraph-messaging-chart-feed', keepAlive: true });
    this.client = client;
    const lost = (error?: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.running) return;
      this.logger.warn({ err: error ? describeErrorForLog(error) : undefined }, 'live: chart feed lost its database connection; reconnecting');
      this.retry = setTimeout(() => void this.listen(), RECONNECT_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel !== CHART_FEED_CHANNEL || !message.payload) return;
      const announced = JSON.parse(message.payload) as ChartCommentEventPayload | ChartEventReference;
      this.queue = this.queue.then(() => this.handle(announced)).catch((error: unknown) => this.logger.error({ err: describeErrorForLog(error) }, 'live: a chart announcement could not be delivered'));
    });
    try {
      await client.connect();
      await client.query(`listen ${CHART_FEED_CHANNEL}`);
    } catch (error) {
      if (first) throw error;
      lost(error);
    }
  }

  private async handle(announced: ChartCommentEventPayload | ChartEventReference): Promise<void> {
    if ('event' in announced) return this.deliver(announced);
    const [event] = await chartCommentEvents(this.orm.em.fork() as EntityManager, announced.patientId, { at: announced.seq });
    if (event) this.deliver(event);
  }
}
