import type { Principal } from '@caregraph/platform';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '@caregraph/platform';

/**
 * Who is calling, as the sign-in layer will attach it to the request (`req.principal`) before the
 * rate limiter runs: a signed-in person, a partner system using OAuth client credentials, or any
 * other kind (anonymous…), which is counted by IP. Structural, so the platform's richer
 * `Principal` fits it.
 */
export type CallerPrincipal = Principal;

export type RequestWithPrincipal = Request & { principal?: CallerPrincipal };

/** A budget: `points` requests per `durationSec`-second window, per key. */
export interface RateBudget {
  points: number;
  durationSec: number;
}

export interface RateLimitOptions {
  /** Signed-in users, per user id. Default 600 a minute. */
  user: RateBudget;
  /** Partner systems (OAuth clients), per client id. Default 3,000 a minute. */
  client: RateBudget;
  /** Callers without a principal, per IP address. Default 120 a minute. */
  anonymous: RateBudget;
  /** `/auth/*` and `/oauth/*` (sign-in; brute-force guard), per IP whoever the caller is. Default 10 a minute. */
  auth: RateBudget;
  /**
   * A connected Redis client (ioredis or node-redis) to keep the counters in, so the limit holds
   * across gateway instances. Unset: in-process memory (per instance).
   */
  redisClient?: unknown;
  /** Set for node-redis (`redis` package) clients; ioredis needs nothing. */
  useRedisPackage?: boolean;
  /** Prefix of the counters' keys (one deployment per Redis, or tests, keep them apart). */
  keyPrefix?: string;
}

export const DEFAULT_RATE_LIMITS: Omit<RateLimitOptions, 'redisClient' | 'useRedisPackage' | 'keyPrefix'> = {
  user: { points: 600, durationSec: 60 },
  client: { points: 3000, durationSec: 60 },
  anonymous: { points: 120, durationSec: 60 },
  auth: { points: 10, durationSec: 60 },
};

export const RATE_LIMITED = 'RATE_LIMITED';

/**
 * The key a request is counted under: `user:<id>` or `client:<id>` when a principal is attached,
 * else `ip:<address>`. The address is `req.ip`, which honours Express's `trust proxy` setting
 * (set it when the gateway sits behind a load balancer, or every caller shares the balancer's IP).
 */
export function rateLimitKey(req: Request): string {
  const principal = (req as RequestWithPrincipal).principal as { kind?: string; userId?: unknown; clientId?: unknown } | undefined;
  if (principal?.kind === 'user' && typeof principal.userId === 'string' && principal.userId) return `user:${principal.userId}`;
  if (principal?.kind === 'client' && typeof principal.clientId === 'string' && principal.clientId) return `client:${principal.clientId}`;
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

function limiterFor(name: string, budget: RateBudget, options: RateLimitOptions): RateLimiterAbstract {
  const base = { keyPrefix: `${options.keyPrefix ?? 'caregraph-gw'}-${name}`, points: budget.points, duration: budget.durationSec };
  const memory = new RateLimiterMemory(base);
  if (!options.redisClient) return memory;
  // Redis unreachable: count in memory for the moment rather than refuse or wave through everyone.
  return new RateLimiterRedis({ ...base, storeClient: options.redisClient, useRedisPackage: options.useRedisPackage, insuranceLimiter: memory });
}

function sendRateLimited(res: Response, msBeforeNext: number): void {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res
    .status(429)
    .set('Retry-After', String(retryAfter))
    .json({ errors: [{ message: `Too many requests; retry in ${retryAfter} s`, extensions: { code: RATE_LIMITED, retryAfter } }] });
}

/**
 * Express middlewares counting requests per caller (rate-limiter-flexible: a budget of points per
 * fixed window per key, refilled in full when the window ends). Over budget: HTTP 429, a
 * `Retry-After` header and a GraphQL-style `RATE_LIMITED` error; the request goes no further.
 */
export function createRateLimiters(options: RateLimitOptions, logger: Logger): { api: RequestHandler; auth: RequestHandler } {
  const limiters = {
    user: limiterFor('user', options.user, options),
    client: limiterFor('client', options.client, options),
    anonymous: limiterFor('anon', options.anonymous, options),
    auth: limiterFor('auth', options.auth, options),
  };

  const middleware =
    (pick: (req: Request) => { limiter: RateLimiterAbstract; key: string }): RequestHandler =>
    async (req: Request, res: Response, next: NextFunction) => {
      const { limiter, key } = pick(req);
      try {
        const result = await limiter.consume(key, 1);
        res.set('RateLimit-Remaining', String(result.remainingPoints));
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          sendRateLimited(res, rejection.msBeforeNext);
          return;
        }
        // store failure without an insurance limiter: let the request through, say so in the log
        logger.warn({ err: { type: (rejection as Error)?.name, message: (rejection as Error)?.message } }, 'rate limiter unavailable');
      }
      next();
    };

  return {
    api: middleware((req) => {
      const key = rateLimitKey(req);
      const limiter = key.startsWith('user:') ? limiters.user : key.startsWith('client:') ? limiters.client : limiters.anonymous;
      return { limiter, key };
    }),
    // sign-in attempts count per address, whoever claims to be calling
    auth: middleware((req) => ({ limiter: limiters.auth, key: `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}` })),
  };
}
