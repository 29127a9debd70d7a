import type { Logger } from '@caregraph/platform';
import { Redis } from 'ioredis';

/** A Redis connection for the rate limiter, and how to close it. */
export interface RateLimitRedis {
  client: Redis;
  close(): void;
}

/**
 * Connects to `REDIS_URL` so every gateway instance counts against the same budgets.
 * `enableOfflineQueue: false` makes a Redis outage fail fast, so the in-memory insurance limiter
 * takes over instead of requests queueing.
 */
export function connectRateLimitRedis(url: string, logger: Logger): RateLimitRedis {
  const client = new Redis(url, { enableOfflineQueue: false, lazyConnect: false });
  client.on('error', (error: Error) => logger.warn({ err: { type: error.name, message: error.message } }, 'rate-limit Redis error'));
  return { client, close: () => client.disconnect() };
}
