import { describeErrorForLog, type Logger } from '@caregraph/platform';
import { createAdapter as createPostgresAdapter } from '@socket.io/postgres-adapter';
import { createAdapter as createRedisAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import type { Server } from 'socket.io';

export type LiveAdapterName = 'postgres' | 'redis';

/** How instances share rooms: installed on the server, ready once it listens, closed after the server. */
export interface LiveAdapter {
  name: LiveAdapterName;
  install(io: Server): Promise<void>;
  close(): Promise<void>;
}

/** Cross-instance messages of this deployment: a channel prefix per database/Redis keeps deployments apart. */
const CHANNEL = 'caregraph-live';
/** How soon a silent instance counts as gone (presence and acks stop waiting for it). */
const HEARTBEAT = { heartbeatInterval: 2000, heartbeatTimeout: 6000 };
const READY_TIMEOUT_MS = 10_000;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @socket.io/postgres-adapter on the messaging database (LISTEN/NOTIFY; large payloads through the
 * messaging.socket_io_attachments table of the migrations): works on the embedded database.
 */
export function postgresAdapter(databaseUrl: string, logger: Logger): LiveAdapter {
  // one connection listens, the others publish
  const pool = new Pool({ connectionString: databaseUrl, max: 4, application_name: 'caregraph-messaging-live' });
  pool.on('error', (error) => logger.warn({ err: describeErrorForLog(error) }, 'live adapter: idle database connection failed'));
  return {
    name: 'postgres',
    async install(io) {
      io.adapter(createPostgresAdapter(pool, {
        channelPrefix: CHANNEL,
        tableName: 'messaging.socket_io_attachments',
        ...HEARTBEAT,
        errorHandler: (error) => logger.warn({ err: describeErrorForLog(error) }, 'live adapter error'),
      }));
      // the adapter LISTENs in the background; announce this instance again once it hears the others' answers
      // (private fields of the adapter: its pub/sub client, and that client's LISTEN connection)
      const adapter = io.of('/').adapter as unknown as { client?: { client?: unknown }; init(): void };
      for (const deadline = Date.now() + READY_TIMEOUT_MS; !adapter.client?.client; await wait(20)) {
        if (Date.now() > deadline) throw new Error('live adapter: the database did not accept LISTEN in time');
      }
      adapter.init();
    },
    close: () => pool.end(),
  };
}

/** @socket.io/redis-adapter when REDIS_URL is set (pub/sub on two ioredis connections). */
export function redisAdapter(redisUrl: string, logger: Logger, key = CHANNEL): LiveAdapter {
  const pub = new Redis(redisUrl, { lazyConnect: true });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) client.on('error', (error: Error) => logger.warn({ err: { type: error.name, message: error.message } }, 'live adapter: Redis error'));
  // the adapter does not handle a failed publish (Redis gone for longer than ioredis retries):
  // log it instead of letting the rejection end the process
  const publish = pub.publish.bind(pub);
  pub.publish = ((channel: string, message: string) => publish(channel, message).catch((error: Error) => {
    logger.warn({ err: { type: error.name, message: error.message } }, 'live adapter: a broadcast did not reach Redis');
    return 0;
  })) as typeof pub.publish;
  return {
    name: 'redis',
    async install(io) {
      await Promise.all([pub.connect(), sub.connect()]);
      io.adapter(createRedisAdapter(pub, sub, { key }));
      // replies in order: once PING answers, the adapter's subscriptions are in place
      await sub.ping();
    },
    close: async () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
