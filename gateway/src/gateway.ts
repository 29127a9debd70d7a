import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { DEFAULT_PORTS, REQUEST_ID_HEADER, requestIdFrom, type Logger } from '@caregraph/platform';
import express from 'express';
import type { GatewayContext } from './context';
import { createGatewayErrorFormatter } from './errors';
import { createKeepAliveFetcher } from './keep-alive-fetcher';
import { SubgraphDataSource } from './subgraph-data-source';

export const SUBGRAPH_NAMES = ['patients', 'clinical', 'billing', 'messaging'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Where each subgraph listens by default (also the routing URLs in the committed supergraph). */
export const DEFAULT_SUBGRAPH_URLS: Record<SubgraphName, string> = {
  patients: `http://127.0.0.1:${DEFAULT_PORTS.patients}/graphql`,
  clinical: `http://127.0.0.1:${DEFAULT_PORTS.clinical}/graphql`,
  billing: `http://127.0.0.1:${DEFAULT_PORTS.billing}/graphql`,
  messaging: `http://127.0.0.1:${DEFAULT_PORTS.messaging}/graphql`,
};

/** The committed supergraph (`npm run compose` writes it); same path from src/ and dist/. */
export const SUPERGRAPH_PATH = path.resolve(__dirname, '..', 'supergraph.graphql');
/** The web client's static files, served at the gateway's origin. */
export const WEB_ROOT = path.resolve(__dirname, '..', '..', 'web', 'public');

export interface GatewayOptions {
  logger: Logger;
  /** Subgraph GraphQL endpoints by subgraph name; a missing name uses the supergraph's routing URL. */
  subgraphUrls?: Partial<Record<string, string>>;
  /** Supergraph SDL; defaults to the committed gateway/supergraph.graphql. */
  supergraphSdl?: string;
  /** 0 picks a free port. Default 4000. */
  port?: number;
  host?: string;
  /** Turns off introspection and the landing page. */
  production?: boolean;
  /** Folder served at `/`; false serves nothing. Default web/public. */
  staticDir?: string | false;
  /** How long /ready waits for each subgraph's /ready. Default 2000 ms. */
  readyTimeoutMs?: number;
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
 * on Apollo Server 5 / Express 5. POST /graphql, GET /health (alive), GET /ready (every
 * subgraph ready), and the web client's static files at /.
 */
export async function createGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const readyTimeoutMs = options.readyTimeoutMs ?? 2000;
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  const { fetcher, close: closeSockets } = createKeepAliveFetcher();
  const subgraphUrls: Record<string, string> = {};

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
      return new SubgraphDataSource(name, target, fetcher);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const httpServer = http.createServer(app);
  // Subgraph-facing keep-alive is ours; client-facing keep-alive must outlive typical client pools.
  httpServer.keepAliveTimeout = 65_000;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError: createGatewayErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // patient data is never cacheable: skip computing cache policies on every request
      ApolloServerPluginCacheControlDisabled(),
      requestLogPlugin(),
      ...(options.production ? [ApolloServerPluginLandingPageDisabled()] : []),
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
  app.use(
    '/graphql',
    (req, res, next) => {
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      res.locals.requestId = requestId;
      res.setHeader(REQUEST_ID_HEADER, requestId);
      next();
    },
    express.json({ limit: '2mb' }),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const requestId = res.locals.requestId as string;
        return { requestId, log: logger.child({ requestId }) };
      },
    }),
  );
  const staticDir = options.staticDir === undefined ? WEB_ROOT : options.staticDir;
  if (staticDir) {
    if (existsSync(staticDir)) app.use(express.static(staticDir, { index: 'index.html' }));
    else logger.warn({ staticDir }, 'web client folder not found; serving the API only');
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
    await apollo.stop();
    closeSockets();
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
        await apollo.stop(); // stops accepting, lets in-flight requests finish, stops the gateway
        closeSockets();
      })()),
  };
}
