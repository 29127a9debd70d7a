import { loadConfig, port, resolveDatabaseUrl, str, url } from '../config/config';
import { accessDecisionsUrl } from '../access/remote-policy';
import { createLogger } from '../logging/logger';
import type { RequestContext } from '../context';
import { closeOnSignals } from './lifecycle';
import { GRAPHQL_EXECUTORS, type GraphqlExecutor } from '../graphql/jit-execution';
import { startSubgraphServer, type SubgraphDefinition } from './subgraph-server';

/** Default ports: gateway 4000, subgraphs 4001-4005. */
export const DEFAULT_PORTS = { gateway: 4000, patients: 4001, clinical: 4002, billing: 4003, messaging: 4004, identity: 4005 } as const;

/**
 * Entry point of a subgraph process: validated config from the environment
 * (`<NAME>_PORT`, DATABASE_URL, ...), JSON logs, graceful shutdown.
 */
export async function runSubgraph<C extends RequestContext>(definition: SubgraphDefinition<C>, defaultPort: number): Promise<void> {
  const portVariable = `${definition.name.toUpperCase()}_PORT`;
  const config = loadConfig({
    [portVariable]: port({ default: defaultPort, desc: `${definition.name} subgraph HTTP port` }),
    GATEWAY_ASSERTION_PUBLIC_KEY: str({ desc: "the gateway's public key (SPKI PEM); requests without its assertion get 401" }),
    GRAPHQL_EXECUTOR: str({ choices: GRAPHQL_EXECUTORS, default: 'jit', desc: 'jit: operations compiled by graphql-jit; graphql-js: interpreted (the fallback)' }),
    PATIENTS_URL: url({ default: `http://127.0.0.1:${DEFAULT_PORTS.patients}/graphql`, desc: 'the patients subgraph, which answers access-policy questions' }),
  });
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  try {
    const service = await startSubgraphServer(definition, {
      assertionPublicKey: (config as unknown as Record<string, string>).GATEWAY_ASSERTION_PUBLIC_KEY.replace(/\\n/g, '\n'),
      port: (config as unknown as Record<string, number>)[portVariable],
      host: config.HOST,
      databaseUrl: resolveDatabaseUrl(config),
      poolMax: config.DATABASE_POOL_MAX,
      logger,
      production: config.NODE_ENV === 'production',
      executor: config.GRAPHQL_EXECUTOR as GraphqlExecutor,
      accessPolicyUrl: definition.accessPolicy ? undefined : accessDecisionsUrl(config.PATIENTS_URL),
    });
    closeOnSignals(service, logger, config.SHUTDOWN_TIMEOUT_MS);
    process.send?.({ type: 'ready', name: definition.name, url: service.url });
  } catch (error) {
    logger.fatal({ err: error instanceof Error ? { type: error.name, message: error.message } : error }, 'failed to start');
    process.exit(1);
  }
}
