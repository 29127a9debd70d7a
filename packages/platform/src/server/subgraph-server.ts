import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { createErrorFormatter, describeErrorForLog } from '../errors/errors';
import { appendAudit, ensureAuditSchema } from '../audit';
import { ensureEventsSchema } from '../events/schema';
import { buildFederatedSchema, type FederatedSchemaDefinition } from '../graphql/federation';
import { isDatabaseReachable, openDatabase, type DatabaseDefinition } from '../database/orm';
import { createRequestContext, type RequestContext } from '../context';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { ASSERTION_HEADER, AssertionVerifier, InvalidAssertionError } from '../auth/internal-assertion';
import type { Principal } from '../context';
import { remoteAccessPolicy, type AccessDecisionsRequest, type AccessDecisionsResponse } from '../access/remote-policy';
import { ACCESS_CATEGORIES, ACCESS_DECISIONS_PATH, ACCESS_INTENTS, ACCESS_POLICY_AUDIENCE, MAX_ACCESS_BATCH, type AccessPolicyFunction } from '../access/policy';

/** Everything that makes a subgraph: its schema (resolvers) and its database (schema, entities, migrations). */
export interface SubgraphDefinition<C extends RequestContext = RequestContext> extends FederatedSchemaDefinition {
  name: string;
  database: DatabaseDefinition;
  /** Adds per-request services and DataLoaders to the base context. */
  createContext?: (base: RequestContext) => C;
  /** Plain HTTP routes beside /graphql (e.g. the identity service's /auth/login), mounted before it. */
  routes?: (app: express.Express, services: SubgraphRouteServices<C>) => void;
  /**
   * The patient access policy, on the one subgraph that owns it (patients). That subgraph uses it
   * in-process and serves it to the others at ACCESS_DECISIONS_PATH; every other subgraph asks it
   * there (SubgraphServerOptions.accessPolicyUrl).
   */
  accessPolicy?: (em: EntityManager) => AccessPolicyFunction;
  /**
   * Background work of the subgraph (e.g. event consumers), started once the database is ready and
   * stopped first on close().
   */
  workers?: (services: { orm: MikroORM; logger: Logger }) => Promise<{ stop(): Promise<void> }>;
}

/** What a subgraph's plain HTTP routes get: its database, its logger, and the gateway's word on who calls. */
export interface SubgraphRouteServices<C extends RequestContext = RequestContext> {
  orm: MikroORM;
  logger: Logger;
  /** Lets through only requests carrying the gateway's assertion for this subgraph (401 and an audit row otherwise), as /graphql. */
  authenticated: express.RequestHandler;
  /** The request context /graphql would build for an `authenticated` request: principal, access gate, audit. */
  requestContext(req: express.Request): C;
}

export interface SubgraphServerOptions {
  /** The gateway's public key (SPKI PEM): only requests carrying its assertion are served. */
  assertionPublicKey: string;
  port: number;
  host?: string;
  databaseUrl: string;
  poolMax?: number;
  logger: Logger;
  production?: boolean;
  /** The patients service's access decisions endpoint (accessDecisionsUrl(PATIENTS_URL)); unused by the subgraph that owns the policy. */
  accessPolicyUrl?: string;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  orm: MikroORM;
  close(): Promise<void>;
}

type AuthenticatedRequest = express.Request & { principal: Principal; assertion: string };


/** Logs one line per operation: name, duration, outcome. Never variables or results (PHI). */
function requestLogPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, errors }) {
          const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
          const codes = errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
          contextValue.log.info({ operationName: operationName ?? null, durationMs: Math.round(durationMs * 10) / 10, errors: codes }, 'graphql');
        },
      };
    },
  };
}

/**
 * Writes the audit rows of what the request read (and was refused) before the response leaves:
 * if the audit log cannot be written, the caller gets an error instead of the data. Every
 * FORBIDDEN answer leaves a row, whether or not a service noted the refusal itself.
 */
function readAuditPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, errors, operation }) {
          try {
            // a role refused (FORBIDDEN) where no patient record was involved, e.g. a directory write: audited too
            const refused = (errors ?? []).filter((error) => error.extensions?.code === 'FORBIDDEN');
            if (refused.length && !contextValue.access.audit.deniedNoted) {
              await contextValue.access.audit.record({
                action: operation?.operation === 'mutation' ? 'write' : 'read',
                outcome: 'denied',
                detail: { code: 'FORBIDDEN', fields: refused.map((error) => error.path?.join('.') ?? null) },
              });
            }
            await contextValue.access.flush();
          } catch (error) {
            contextValue.log.error({ err: describeErrorForLog(error) }, 'could not audit the reads of a request: response withheld');
            if (response.body.kind === 'single') {
              response.body.singleResult = { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
            }
          }
        },
      };
    },
  };
}

/**
 * Starts one subgraph: runs its migrations, then serves POST /graphql (Apollo Server 5 on
 * Express 5), GET /health (process alive) and GET /ready (database reachable).
 */
export async function startSubgraphServer<C extends RequestContext>(
  definition: SubgraphDefinition<C>,
  options: SubgraphServerOptions,
): Promise<RunningSubgraph> {
  const { logger } = options;
  const schema = await buildFederatedSchema(definition);
  const verifier = await AssertionVerifier.fromPem(options.assertionPublicKey, definition.name);
  const policyVerifier = await AssertionVerifier.fromPem(options.assertionPublicKey, ACCESS_POLICY_AUDIENCE);
  const orm = await openDatabase(definition.database, { databaseUrl: options.databaseUrl, poolMax: options.poolMax, logger });
  // the shared, append-only audit log every service writes to (idempotent, safe when all start at once)
  await ensureAuditSchema(orm.em.fork());
  // the platform's events between services (outbox and consumer offsets), likewise shared
  await ensureEventsSchema(orm.em.fork());

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    // no cache hints and no Apollo Studio traces: both would hook every resolved field (the cache
    // control plugin alone cost a sixth of the chart's CPU time)
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), requestLogPlugin(), readAuditPlugin()],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: definition.name });
  });
  app.get('/ready', async (_req, res) => {
    const ready = await isDatabaseReachable(orm);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unreachable', service: definition.name });
  });

  /** Trust only the gateway: every request needs its assertion, addressed to `audience`. */
  const requireAssertion = (assertionVerifier: AssertionVerifier): express.RequestHandler => async (req, res, next) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    try {
      const header = req.headers[ASSERTION_HEADER];
      const assertion = Array.isArray(header) ? header[0] : header;
      const verified = await assertionVerifier.verify(assertion);
      Object.assign(req, { principal: verified.principal, assertion });
      next();
    } catch (error) {
      const reason = error instanceof InvalidAssertionError ? error.reason : 'invalid';
      logger.warn({ requestId, reason, path: req.path }, 'request without a valid gateway assertion refused');
      // someone inside the network tried to bypass the gateway: recorded before we answer
      await appendAudit(orm.em.fork(), {
        service: definition.name,
        requestId,
        actor: { kind: 'anonymous' },
        action: 'unauthenticated',
        outcome: 'denied',
        detail: { reason, remoteAddress: req.socket.remoteAddress ?? null, path: req.path },
      }).catch((auditError: unknown) => logger.error({ err: describeErrorForLog(auditError) }, 'could not audit a refused request'));
      res.status(401).json({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
  };

  const localPolicy = definition.accessPolicy;
  if (localPolicy) {
    // the other subgraphs' questions, each carrying the gateway's assertion of the caller
    app.post(ACCESS_DECISIONS_PATH, requireAssertion(policyVerifier), express.json({ limit: '64kb' }), async (req, res) => {
      const body = req.body as Partial<AccessDecisionsRequest> | undefined;
      const ids = body?.patientIds;
      const intent = body?.intent ?? 'read';
      if (!ACCESS_CATEGORIES.includes(body?.category as never) || !ACCESS_INTENTS.includes(intent) || !Array.isArray(ids) || ids.length > MAX_ACCESS_BATCH || ids.some((id) => typeof id !== 'string')) {
        res.status(400).json({ error: 'expected { category, patientIds: string[] (at most ' + MAX_ACCESS_BATCH + '), intent?: read | write }' });
        return;
      }
      try {
        const decisions = await localPolicy(orm.em.fork())((req as AuthenticatedRequest).principal, ids, body!.category!, intent);
        const answer: AccessDecisionsResponse = { decisions: [...decisions].map(([patientId, decision]) => ({ patientId, ...decision })) };
        res.json(answer);
      } catch (error) {
        logger.error({ err: describeErrorForLog(error) }, 'access decisions failed');
        res.status(500).json({ error: 'access decisions failed' });
      }
    });
  }

  const requestContext = (req: express.Request): C => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const { principal, assertion } = req as AuthenticatedRequest;
    const em = orm.em.fork();
    // a subgraph without patient data (identity) has no policy to ask: any check fails closed
    const policy = localPolicy ? localPolicy(em)
      : options.accessPolicyUrl ? remoteAccessPolicy(options.accessPolicyUrl, { assertion, requestId })
        : undefined;
    const base = createRequestContext({ service: definition.name, em, principal, log: logger.child({ requestId }), requestId, policy, auditExecutor: orm.em.fork() });
    return definition.createContext ? definition.createContext(base) : (base as C);
  };
  definition.routes?.(app, { orm, logger, authenticated: requireAssertion(verifier), requestContext });

  app.use(
    '/graphql',
    requireAssertion(verifier),
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, { context: async ({ req }) => requestContext(req) }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}/graphql`;

  let workers: { stop(): Promise<void> } | undefined;
  try {
    workers = await definition.workers?.({ orm, logger });
  } catch (error) {
    await apollo.stop().catch(() => undefined);
    await orm.close(true).catch(() => undefined);
    throw error;
  }
  logger.info({ url }, `${definition.name} subgraph ready`);

  let closed: Promise<void> | undefined;
  return {
    name: definition.name,
    url,
    port,
    orm,
    close: () =>
      (closed ??= (async () => {
        // workers first: an event being handled finishes while the pool is still open
        await workers?.stop().catch((error: unknown) => logger.error({ err: describeErrorForLog(error) }, 'workers did not stop cleanly'));
        await apollo.stop(); // stops accepting, lets in-flight requests finish, closes the HTTP server
        await orm.close(true);
      })()),
  };
}
