import { closeOnSignals, createLogger } from '@caregraph/platform';
import { loadGatewayConfig } from './config';
import { createGateway } from './gateway';
import { connectRateLimitRedis } from './redis';

/** The gateway process: config from the environment, JSON logs, graceful shutdown. */
async function main(): Promise<void> {
  const { config, subgraphUrls, options } = loadGatewayConfig();
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const redis = options.rateLimit && config.REDIS_URL ? connectRateLimitRedis(config.REDIS_URL, logger) : undefined;
  try {
    const gateway = await createGateway({
      ...options,
      rateLimit: options.rateLimit && redis ? { ...options.rateLimit, redisClient: redis.client } : options.rateLimit,
      logger,
      subgraphUrls,
      port: config.GATEWAY_PORT,
      host: config.HOST,
    });
    closeOnSignals({ close: async () => { await gateway.close(); redis?.close(); } }, logger, config.SHUTDOWN_TIMEOUT_MS);
    process.send?.({ type: 'ready', name: 'gateway', url: gateway.url });
  } catch (error) {
    logger.fatal({ err: error instanceof Error ? { type: error.name, message: error.message, code: (error as NodeJS.ErrnoException).code } : error }, 'failed to start');
    process.exit(1);
  }
}

void main().catch((error: unknown) => {
  // configuration errors land here, before a logger exists
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
