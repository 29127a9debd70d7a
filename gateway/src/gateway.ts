import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { AssertionSigner, createKeepAliveFetcher, DEFAULT_PORTS, REQUEST_ID_HEADER, requestIdFrom, type Logger } from '@caregraph/platform';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { GatewayContext } from './context';
import { fhirNotServed, PATIENT_EVERYTHING_PATH, patientEverythingExport } from './fhir-export';
import { BILLING_CLAIMS_CSV_PATH, billingClaimsExport } from './billing-export';
import { DEVICE_READINGS_PATH, deviceErrorShape, deviceReadingsHandlers } from './device-readings';
import { LIVE_PATH, createLiveProxy } from './live-proxy';
import { createGatewayErrorFormatter } from './errors';
import { DEFAULT_QUERY_LIMITS, queryProtection, type QueryLimits } from './query-limits';
import { createRateLimiters, DEFAULT_RATE_LIMITS, type RateLimitOptions, type RequestWithPrincipal } from './rate-limit';
import { SubgraphDataSource } from './subgraph-data-source';
import { EntityCache } from './entity-cache';
import { serveWebClient } from './web-client';
import { authenticate, refuseUnauthenticated, signInProxy } from './authentication';
import { Pool } from 'pg';

export const SUBGRAPH_NAMES = ['patients', 'clinical', 'billing', 'messaging', 'identity'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Where each subgraph listens by default (also the routing URLs in the committed supergraph). */
export const DEFAULT_SUBGRAPH_URLS: Record<SubgraphName, string> = {
  patients: `http://127.0.0.1:${DEFAULT_PORTS.patients}/graphql`,
  clinical: `http://127.0.0.1:${DEFAULT_PORTS.clinical}/graphql`,
  billing: `http://127.0.0.1:${DEFAULT_PORTS.billing}/graphql`,
  messaging: `http://127.0.0.1:${DEFAULT_PORTS.messaging}/graphql`,
  identity: `http://127.0.0.1:${DEFAULT_PORTS.identity}/graphql`,
};

/** The committed supergraph (`npm run compose` writes it); same path from src/ and dist/. */
export const SUPERGRAPH_PATH = path.resolve(__dirname, '..', 'supergraph.graphql');
/** The web client's build (`npm run build` runs vite into web/dist), served at the gateway's origin. */
export const WEB_ROOT = path.resolve(__dirname, '..', '..', 'web', 'dist');

export interface GatewayOptions {
  logger: Logger;
  /** The private half (PKCS8 PEM) of the key subgraphs trust: the gateway signs their assertions with it. */
  assertionPrivateKey: string;
  /**
   * The identity service's public key (SPKI PEM). With it, bearer tokens are verified and the
   * caller becomes the principal; without it every bearer token is refused. No token: 401.
   */
  accessTokenPublicKey?: string;
  /** Where the gateway audits refused tokens (a database URL); unset = log only. */
  auditDatabaseUrl?: string;
  /** Subgraph GraphQL endpoints by subgraph name; a missing name uses the supergraph's routing URL. */
  subgraphUrls?: Partial<Record<string, string>>;
  /** Supergraph SDL; defaults to the committed gateway/supergraph.graphql. */
  supergraphSdl?: string;
  /** 0 picks a free port. Default 4000. */
  port?: number;
  host?: string;
  /**
   * Production mode: turns off introspection, the landing page and field suggestions
   * ("Did you mean …?") in error messages. Default false (development).
   */
  production?: boolean;
  /** Per-operation limits (depth, cost, aliases, tokens, directives); unset ones keep their defaults. */
  queryLimits?: Partial<QueryLimits>;
  /** Largest request body /graphql accepts, in bytes; larger gets 413. Default 100 kB. */
  maxBodyBytes?: number;
  /**
   * Per-caller rate limits; unset budgets keep their defaults (see DEFAULT_RATE_LIMITS).
   * false turns rate limiting off (benchmarks, tests that hammer the gateway).
   */
  rateLimit?: Partial<RateLimitOptions> | false;
  /**
   * Express `trust proxy`: how the caller's IP is found behind load balancers (number of hops,
   * or a list of trusted addresses). Default false: the socket's peer address.
   */
  trustProxy?: boolean | number | string;
  /** Folder served at `/` (its index.html for any other GET that wants HTML: client-side routes); false serves nothing. Default web/dist. */
  staticDir?: string | false;
  /**
   * Entities a subgraph marks `Cache-Control: public, max-age` (organization names) kept in memory
   * for that long, at most this many (least recently used go first); 0 turns the cache off.
   * Default DEFAULT_ENTITY_CACHE_ENTRIES.
   */
  entityCacheEntries?: number;
  /** How long /ready waits for each subgraph's /ready. Default 2000 ms. */
  readyTimeoutMs?: number;
}

const passThrough: RequestHandler = (_req, _res, next) => next();

/** Default largest /graphql request body: 100 kB (a chart query is about 1 kB). */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024;

/** A GraphQL-style error body for failures outside Apollo (body parsing, size limit). */
function httpError(status: number, code: string, message: string) {
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

/**
 * Errors raised by Express middleware before Apollo sees the request (body too large, malformed
 * JSON): a JSON GraphQL-style error with no stack or internals, whatever the mode.
 */
function bodyErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; statusCode?: number; limit?: number }, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = error.status ?? error.statusCode ?? 500;
    const { status: code, body } =
      error.type === 'entity.too.large'
        ? httpError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${error.limit} bytes`)
        : error.type === 'entity.parse.failed'
          ? httpError(400, 'BAD_REQUEST', 'Request body is not valid JSON')
          : status >= 400 && status < 500
            ? httpError(status, 'BAD_REQUEST', 'Bad request')
            : httpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    if (code >= 500) logger.error({ err: { type: (error as Error).name, message: (error as Error).message } }, 'request failed before GraphQL');
    res.status(code).json(body);
  };
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  /** Origin the gateway serves (web page, /health, /ready). */
  baseUrl: string;
  port: number;
  /** Subgraph endpoints the gateway calls, by name. */
  subgraphUrls: Record<string, string>;
  close(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  subgraphs: Record<string, 'ready' | 'down'>;
  down: string[];
}

/** One line per operation with the request id: name, duration, error codes. Never variables or data. */
function requestLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
          const codes = (errors ?? (response.body.kind === 'single' ? response.body.singleResult.errors : undefined))?.map(
            (e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
          );
          contextValue.log.info({ operationName: operationName ?? null, durationMs, errors: codes }, 'graphql');
        },
      };
    },
  };
}

async function isReady(graphqlUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(new URL('/ready', graphqlUrl), { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * The federated entry point: Apollo Gateway (static supergraph, no introspection of subgraphs)
 * on Apollo Server 5 / Express 5. POST /graphql, POST /devices/readings (remote-monitoring
 * devices: runs recordDeviceReadings), GET /billing/claims.csv (the billing worklist as CSV),
 * /socket.io (live chart comments and messages, proxied to the messaging service: live-proxy.ts),
 * GET /health (alive), GET /ready (every subgraph ready), and the web client's static files at /.
 */
export async function createGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const readyTimeoutMs = options.readyTimeoutMs ?? 2000;
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  const { fetcher, close: closeSockets } = createKeepAliveFetcher();
  // refused tokens are audited into the shared audit log; two connections are plenty
  const auditPool = options.auditDatabaseUrl ? new Pool({ connectionString: options.auditDatabaseUrl, max: 2 }) : undefined;
  const subgraphUrls: Record<string, string> = {};
  const signer = await AssertionSigner.fromPem(options.assertionPrivateKey);
  // directory entities subgraphs mark public (organization names beside every chart item)
  const entityCache = options.entityCacheEntries === 0 ? undefined : new EntityCache({ maxEntries: options.entityCacheEntries });

  // Apollo's own start-up chatter only at debug; its warnings and errors always
  const apolloLogger = logger.child({ component: 'apollo-gateway' });
  if (!logger.isLevelEnabled('debug') && logger.isLevelEnabled('info')) apolloLogger.level = 'warn';
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: apolloLogger as never,
    buildService: ({ name, url }) => {
      const target = options.subgraphUrls?.[name] ?? url;
      if (!target) throw new Error(`No URL for subgraph "${name}": set it in the gateway configuration`);
      subgraphUrls[name] = target;
      return new SubgraphDataSource(name, target, fetcher, signer, entityCache);
    },
  });

  const production = options.production ?? false;
  const protection = queryProtection({ ...DEFAULT_QUERY_LIMITS, ...options.queryLimits }, { blockFieldSuggestions: production });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  const httpServer = http.createServer(app);
  // Subgraph-facing keep-alive is ours; client-facing keep-alive must outlive typical client pools.
  httpServer.keepAliveTimeout = 65_000;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    // graphql-js's "Did you mean …?" hints would map the schema with introspection off
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    // a GET or a "simple" POST (form, text/plain) without a JSON content type or an
    // `apollo-require-preflight` / `x-apollo-operation-name` header is refused with 400
    csrfPrevention: true,
    // one operation per request: a batch would multiply every per-request limit
    allowBatchedHttpRequests: false,
    validationRules: protection.validationRules,
    parseOptions: protection.parseOptions,
    formatError: createGatewayErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // patient data is never cacheable: skip computing cache policies on every request
      ApolloServerPluginCacheControlDisabled(),
      requestLogPlugin(),
      ...protection.plugins,
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();

  const checkReadiness = async (): Promise<Readiness> => {
    const names = Object.keys(subgraphUrls);
    const results = await Promise.all(names.map((name) => isReady(subgraphUrls[name], readyTimeoutMs)));
    const subgraphs = Object.fromEntries(names.map((name, i) => [name, results[i] ? 'ready' : 'down'])) as Readiness['subgraphs'];
    const down = names.filter((_, i) => !results[i]);
    return { ready: down.length === 0, subgraphs, down };
  };

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.get('/ready', async (_req, res) => {
    const readiness = await checkReadiness();
    res.status(readiness.ready ? 200 : 503).json({
      status: readiness.ready ? 'ready' : 'unavailable',
      service: 'gateway',
      subgraphs: readiness.subgraphs,
      ...(readiness.ready ? {} : { down: readiness.down }),
    });
  });
  const rateLimiters = options.rateLimit === false ? undefined : createRateLimiters({ ...DEFAULT_RATE_LIMITS, ...options.rateLimit }, logger);
  // sign-in routes (proxied here later) get a much smaller budget per IP: password guessing
  if (rateLimiters) app.use(['/auth', '/oauth'], rateLimiters.auth);
  // sign-in lives in the identity service; the browser and partner apps see one origin
  const identityUrl = options.subgraphUrls?.identity;
  if (identityUrl) app.use(signInProxy(new URL('/', identityUrl).toString(), logger));
  // who is calling, for /graphql and /devices/readings alike (401 without a valid token)
  const identifyCaller: RequestHandler[] = [
    (req, res, next) => {
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      res.locals.requestId = requestId;
      res.setHeader(REQUEST_ID_HEADER, requestId);
      next();
    },
    // the principal must be known before the per-caller rate limit counts the request
    authenticate({ accessTokenPublicKey: options.accessTokenPublicKey }),
    // counted per principal (attached by authenticate, which must run before this), per IP without one
    rateLimiters?.api ?? passThrough,
    refuseUnauthenticated({ audit: auditPool, logger }),
  ];
  app.use(
    '/graphql',
    ...identifyCaller,
    express.json({ limit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES }),
    (req, _res, next) => {
      // a body Express did not parse (GET, a form post): let Apollo answer it (CSRF check, 400)
      // rather than the integration's 500 about missing JSON middleware
      req.body ??= {};
      next();
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = res.locals.requestId as string;
        const principal = (req as RequestWithPrincipal).principal ?? { kind: 'anonymous' as const };
        return { requestId, log: logger.child({ requestId }), principal };
      },
    }),
  );
  app.use('/graphql', bodyErrorHandler(logger));
  // devices send readings as plain JSON; the gateway runs recordDeviceReadings for them (device-readings.ts)
  app.post(DEVICE_READINGS_PATH, deviceErrorShape, ...identifyCaller, ...deviceReadingsHandlers(apollo, logger));
  app.use(DEVICE_READINGS_PATH, bodyErrorHandler(logger));
  // the billing worklist as CSV, streamed from the billing subgraph for the caller (billing-export.ts)
  app.get(BILLING_CLAIMS_CSV_PATH, ...identifyCaller, billingClaimsExport({ billingUrl: () => subgraphUrls.billing, signer, logger }));
  // a patient's record as one FHIR Bundle, each part from the subgraph that owns it (fhir-export.ts)
  app.get(PATIENT_EVERYTHING_PATH, ...identifyCaller, patientEverythingExport({ subgraphUrls: () => subgraphUrls, signer, logger }));
  app.use('/fhir', fhirNotServed);
  // Socket.IO of the messaging service on this origin, each request and upgrade authenticated here
  const live = createLiveProxy({
    messagingUrl: () => subgraphUrls.messaging, signer, accessTokenPublicKey: options.accessTokenPublicKey, audit: auditPool, logger, handshakeRateLimit: rateLimiters?.api,
  });
  app.use(LIVE_PATH, ...live.http);
  httpServer.on('upgrade', live.upgrade);
  const staticDir = options.staticDir === undefined ? WEB_ROOT : options.staticDir;
  if (staticDir) {
    if (existsSync(staticDir)) {
      // precompressed (brotli, gzip) by Accept-Encoding, hashed bundles immutable, client routes get index.html (web-client.ts)
      serveWebClient(app, staticDir);
    } else logger.warn({ staticDir }, 'web client folder not found (run `npm run build`); serving the API only');
  }

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port ?? DEFAULT_PORTS.gateway, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    live.close();
    await apollo.stop();
    closeSockets();
    await auditPool?.end();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const baseUrl = `http://${reachableHost.includes(':') ? `[${reachableHost}]` : reachableHost}:${port}`;
  const url = `${baseUrl}/graphql`;
  logger.info({ url, subgraphs: subgraphUrls }, 'gateway ready');

  let closed: Promise<void> | undefined;
  return {
    url,
    baseUrl,
    port,
    subgraphUrls: { ...subgraphUrls },
    close: () =>
      (closed ??= (async () => {
        live.close(); // upgraded connections would hold the HTTP server open
        await apollo.stop(); // stops accepting, lets in-flight requests finish, stops the gateway
        closeSockets();
        await auditPool?.end();
      })()),
  };
}
