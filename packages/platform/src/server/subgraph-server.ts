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
import { AuditBatcher, appendAudit, ensureAuditSchema } from '../audit';
import { ensureEventsSchema } from '../events/schema';
import { JitExecution, type GraphqlExecutor } from '../graphql/jit-execution';
import { buildFederatedSchema, type FederatedSchemaDefinition } from '../graphql/federation';
import { isDatabaseReachable, openDatabase, type DatabaseDefinition } from '../database/orm';
import { ROLES, createRequestContext, type RequestContext } from '../context';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { publicEntitiesPlugin, type PublicEntities } from './public-entities';
import { ASSERTION_HEADER, AssertionVerifier, InvalidAssertionError } from '../auth/internal-assertion';
import type { Principal } from '../context';
import {
  remoteAccessPolicy, type AccessDecisionsRequest, type AccessDecisionsResponse, type SubjectAccessDecisionsRequest, type SubjectAccessDecisionsResponse,
} from '../access/remote-policy';
import {
  ACCESS_CATEGORIES, ACCESS_DECISIONS_PATH, ACCESS_INTENTS, ACCESS_POLICY_AUDIENCE, ACCESS_SUBJECT_DECISIONS_PATH, MAX_ACCESS_BATCH, MAX_ACCESS_SUBJECTS,
  decideForSubjects, type AccessPolicyFunction, type AccessSubject,
} from '../access/policy';

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
  /**
   * A server sharing the subgraph's HTTP server and port (messaging's Socket.IO), attached before
   * it listens; closed after the workers stop and before HTTP closes.
   */
  attach?: (server: http.Server, services: SubgraphAttachServices<C>) => Promise<{ close(): Promise<void> }>;
  /** Directory entity types whose `_entities` answers the gateway may reuse (public-entities.ts). */
  publicEntities?: PublicEntities;
}

/** What an attached server gets: the gateway's word on who connects, and request contexts for them. */
export interface SubgraphAttachServices<C extends RequestContext = RequestContext> {
  orm: MikroORM;
  logger: Logger;
  /**
   * Verifies the gateway's assertion as /graphql does: the caller, or null once the refusal is
   * logged and audited. `expiresAt`: when the assertion expires (seconds since the epoch).
   */
  authenticate(assertion: string | undefined, request: { requestId: string; remoteAddress: string | null; path: string }): Promise<AuthenticatedCaller | null>;
  /** The request context /graphql builds, for an authenticated caller (one per event or job). */
  contextFor(caller: AuthenticatedCaller, requestId: string): C;
}

export interface AuthenticatedCaller {
  principal: Principal;
  assertion: string;
  expiresAt: number;
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
  /** How operations are executed: compiled by graphql-jit (default) or interpreted by graphql-js. */
  executor?: GraphqlExecutor;
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
    // compiled execution unless configured otherwise (GRAPHQL_EXECUTOR; jit-execution.ts)
    ...((options.executor ?? 'jit') === 'jit' ? { gateway: new JitExecution(schema) } : { schema }),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    // no cache hints and no Apollo Studio traces: both would hook every resolved field (the cache
    // control plugin alone cost a sixth of the chart's CPU time)
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), requestLogPlugin(), readAuditPlugin(),
      ...(definition.publicEntities ? [publicEntitiesPlugin(definition.publicEntities)] : [])],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: definition.name });
  });
  app.get('/ready', async (_req, res) => {
    const ready = await isDatabaseReachable(orm);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unreachable', service: definition.name });
  });

  /** Verifies an assertion addressed to `audience`; a refusal is logged and audited, and answers null. */
  const authenticate = async (
    assertionVerifier: AssertionVerifier,
    assertion: string | undefined,
    request: { requestId: string; remoteAddress: string | null; path: string },
  ): Promise<AuthenticatedCaller | null> => {
    try {
      const verified = await assertionVerifier.verify(assertion);
      return { principal: verified.principal, assertion: assertion!, expiresAt: verified.expiresAt };
    } catch (error) {
      const reason = error instanceof InvalidAssertionError ? error.reason : 'invalid';
      logger.warn({ requestId: request.requestId, reason, path: request.path }, 'request without a valid gateway assertion refused');
      // someone inside the network tried to bypass the gateway: recorded before we answer
      await appendAudit(orm.em.fork(), {
        service: definition.name,
        requestId: request.requestId,
        actor: { kind: 'anonymous' },
        action: 'unauthenticated',
        outcome: 'denied',
        detail: { reason, remoteAddress: request.remoteAddress, path: request.path },
      }).catch((auditError: unknown) => logger.error({ err: describeErrorForLog(auditError) }, 'could not audit a refused request'));
      return null;
    }
  };

  /** Trust only the gateway: every request needs its assertion, addressed to `audience`. */
  const requireAssertion = (assertionVerifier: AssertionVerifier): express.RequestHandler => async (req, res, next) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    const header = req.headers[ASSERTION_HEADER];
    const caller = await authenticate(assertionVerifier, Array.isArray(header) ? header[0] : header, { requestId, remoteAddress: req.socket.remoteAddress ?? null, path: req.path });
    if (!caller) {
      res.status(401).json({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    Object.assign(req, { principal: caller.principal, assertion: caller.assertion });
    next();
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
    // the same policy for other staff (a thread's participants), told only about patients the caller may read
    app.post(ACCESS_SUBJECT_DECISIONS_PATH, requireAssertion(policyVerifier), express.json({ limit: '64kb' }), async (req, res) => {
      const body = req.body as Partial<SubjectAccessDecisionsRequest> | undefined;
      const ids = body?.patientIds;
      const subjects = body?.subjects;
      const isSubject = (subject: Partial<Record<keyof AccessSubject, unknown>> | null): boolean => typeof subject?.userId === 'string'
        && typeof subject.organizationId === 'string' && subject.role !== 'patient' && ROLES.includes(subject.role as never);
      if (!ACCESS_CATEGORIES.includes(body?.category as never) || !Array.isArray(ids) || ids.length > MAX_ACCESS_BATCH || ids.some((id) => typeof id !== 'string')
        || !Array.isArray(subjects) || subjects.length > MAX_ACCESS_SUBJECTS || !subjects.every(isSubject)) {
        res.status(400).json({ error: `expected { category, patientIds: string[] (at most ${MAX_ACCESS_BATCH}), subjects: { userId, role, organizationId }[] (staff, at most ${MAX_ACCESS_SUBJECTS}) }` });
        return;
      }
      try {
        const decided = await decideForSubjects(localPolicy(orm.em.fork()), (req as AuthenticatedRequest).principal, subjects, ids, body!.category!);
        const answer: SubjectAccessDecisionsResponse = {
          decisions: [...decided].flatMap(([userId, byPatient]) => [...byPatient].map(([patientId, decision]) => ({ userId, patientId, ...decision }))),
        };
        res.json(answer);
      } catch (error) {
        logger.error({ err: describeErrorForLog(error) }, 'subject access decisions failed');
        res.status(500).json({ error: 'access decisions failed' });
      }
    });
  }

  // one per process: the standalone audit rows of concurrent requests go to the database together
  const auditBatcher = new AuditBatcher(orm.em.fork());
  const requestContext = (req: express.Request): C => {
    const { principal, assertion } = req as AuthenticatedRequest;
    return contextFor({ principal, assertion }, requestIdFrom(req.headers[REQUEST_ID_HEADER]));
  };
  const contextFor = ({ principal, assertion }: Pick<AuthenticatedCaller, 'principal' | 'assertion'>, requestId: string): C => {
    const em = orm.em.fork();
    // a subgraph without patient data (identity) has no policy to ask: any check fails closed
    const policy = localPolicy ? localPolicy(em)
      : options.accessPolicyUrl ? remoteAccessPolicy(options.accessPolicyUrl, { assertion, requestId })
        : undefined;
    const base = createRequestContext({ service: definition.name, em, principal, log: logger.child({ requestId }), requestId, policy, auditExecutor: orm.em.fork(), auditBatcher });
    return definition.createContext ? definition.createContext(base) : (base as C);
  };
  definition.routes?.(app, { orm, logger, authenticated: requireAssertion(verifier), requestContext });
  let attached: { close(): Promise<void> } | undefined;
  try {
    attached = await definition.attach?.(httpServer, { orm, logger, authenticate: (assertion, request) => authenticate(verifier, assertion, request), contextFor });
  } catch (error) {
    await apollo.stop().catch(() => undefined);
    await orm.close(true).catch(() => undefined);
    throw error;
  }

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
    await attached?.close().catch(() => undefined);
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
        await attached?.close().catch((error: unknown) => logger.error({ err: describeErrorForLog(error) }, 'attached server did not close cleanly'));
        await apollo.stop(); // stops accepting, lets in-flight requests finish, closes the HTTP server
        await orm.close(true);
      })()),
  };
}
