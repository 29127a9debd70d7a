import type { Logger } from 'pino';

export interface Closable {
  close(): Promise<void>;
}

/**
 * Runs until SIGTERM/SIGINT, or until the parent process that forked us goes away (its IPC
 * channel closes: `npm start` killed with -9 must not leave services holding their ports).
 * In-flight requests finish (Apollo's drain plugin) before the database pool closes.
 */
export function closeOnSignals(service: Closable, logger: Logger, timeoutMs: number): void {
  let closing = false;
  const shutdown = (reason: string) => {
    if (closing) return;
    closing = true;
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  if (process.send) process.once('disconnect', () => shutdown('parent process exited'));
}
