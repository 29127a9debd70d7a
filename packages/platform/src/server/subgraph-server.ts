import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { createErrorFormatter, describeErrorForLog } from '../errors/errors';
import { appendAudit, ensureAuditSchema } from '../audit';
import { buildFederatedSchema, type FederatedSchemaDefinition } from '../graphql/federation';
import { isDatabaseReachable, openDatabase, type DatabaseDefinition } from '../database/orm';
import type { RequestContext } from '../context';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { ASSERTION_HEADER, AssertionVerifier, InvalidAssertionError } from '../auth/internal-assertion';
import type { Principal } from '../context';

/** Everything that makes a subgraph: its schema (resolvers) and its database (schema, entities, migrations). */
export interface SubgraphDefinition<C extends RequestContext = RequestContext> extends FederatedSchemaDefinition {
  name: string;
  database: DatabaseDefinition;
  /** Adds per-request services and DataLoaders to the base context. */
  createContext?: (base: RequestContext) => C;
  /** Plain HTTP routes beside /graphql (e.g. the identity service's /auth/login), mounted before it. */
  routes?: (app: express.Express, services: { orm: MikroORM; logger: Logger }) => void;
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
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  orm: MikroORM;
  close(): Promise<void>;
}

type AuthenticatedRequest = express.Request & { principal: Principal };

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
  const orm = await openDatabase(definition.database, { databaseUrl: options.databaseUrl, poolMax: options.poolMax, logger });
  // the shared, append-only audit log every service writes to (idempotent, safe when all start at once)
  await ensureAuditSchema(orm.em.fork());

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), requestLogPlugin()],
  });
  await apollo.start();

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: definition.name });
  });
  app.get('/ready', async (_req, res) => {
    const ready = await isDatabaseReachable(orm);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'database unreachable', service: definition.name });
  });
  definition.routes?.(app, { orm, logger });
  app.use(
    '/graphql',
    // Trust only the gateway: every operation, including _entities and _service, needs its assertion.
    async (req, res, next) => {
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      try {
        const header = req.headers[ASSERTION_HEADER];
        const verified = await verifier.verify(Array.isArray(header) ? header[0] : header);
        (req as AuthenticatedRequest).principal = verified.principal;
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
          detail: { reason, remoteAddress: req.socket.remoteAddress ?? null },
        }).catch((auditError: unknown) => logger.error({ err: describeErrorForLog(auditError) }, 'could not audit a refused request'));
        res.status(401).json({ errors: [{ message: 'Unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
    },
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
        const base: RequestContext = {
          requestId,
          log: logger.child({ requestId }),
          em: orm.em.fork(),
          principal: (req as AuthenticatedRequest).principal,
        };
        return definition.createContext ? definition.createContext(base) : base;
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}/graphql`;
  logger.info({ url }, `${definition.name} subgraph ready`);

  let closed: Promise<void> | undefined;
  return {
    name: definition.name,
    url,
    port,
    orm,
    close: () =>
      (closed ??= (async () => {
        await apollo.stop(); // stops accepting, lets in-flight requests finish, closes the HTTP server
        await orm.close(true);
      })()),
  };
}
