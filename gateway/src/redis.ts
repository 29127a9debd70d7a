import type { Logger } from '@caregraph/platform';

/** A Redis connection for the rate limiter, and how to close it. */
export interface RateLimitRedis {
  client: unknown;
  close(): void;
}

/**
 * Connects to `REDIS_URL` with ioredis when that library is installed (it is not a dependency
 * yet). Without it the gateway logs a warning and counts in memory, i.e. per instance.
 * `enableOfflineQueue: false` makes a Redis outage fail fast, so the in-memory insurance limiter
 * takes over instead of requests queueing.
 */
export function connectRateLimitRedis(url: string, logger: Logger): RateLimitRedis | undefined {
  let Redis: new (url: string, options: Record<string, unknown>) => { disconnect(): void; on(event: string, fn: (e: Error) => void): void };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('ioredis');
    Redis = mod.default ?? mod.Redis ?? mod;
  } catch {
    logger.warn('REDIS_URL is set but the ioredis package is not installed: rate limits are counted per gateway instance');
    return undefined;
  }
  const client = new Redis(url, { enableOfflineQueue: false, lazyConnect: false });
  client.on('error', (error) => logger.warn({ err: { type: error.name, message: error.message } }, 'rate-limit Redis error'));
  return { client, close: () => client.disconnect() };
}
