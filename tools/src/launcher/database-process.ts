/**
 * The embedded PostgreSQL cluster, run by a small child of the launcher in its own process
 * group: a terminal Ctrl-C then reaches only the launcher, which stops the services first and
 * this cluster last. The cluster stops when the launcher says so (SIGTERM) or goes away (its
 * IPC channel closes); a cluster left by a SIGKILL of this process is stopped by the next start
 * (startEmbeddedPostgres reads postmaster.pid).
 *
 * Env: CAREGRAPH_PG_DATA_DIR, EMBEDDED_PG_PORT, LOG_LEVEL.
 */
import { createLogger, startEmbeddedPostgres, type RunningEmbeddedPostgres } from '@caregraph/platform';

const logger = createLogger('postgres', process.env.LOG_LEVEL ?? 'info');

/** PostgreSQL's own log lines: errors stay visible, the start-up chatter goes to debug. */
function logServerLine(line: string): void {
  for (const text of line.split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (/\b(PANIC|FATAL):/.test(text)) logger.error({ server: text }, 'postgres');
    else if (/\bERROR:/.test(text)) logger.warn({ server: text }, 'postgres');
    else logger.debug({ server: text }, 'postgres');
  }
}

async function main(): Promise<void> {
  const dataDir = process.env.CAREGRAPH_PG_DATA_DIR;
  const port = Number(process.env.EMBEDDED_PG_PORT);
  if (!dataDir || !Number.isInteger(port) || port <= 0) throw new Error('CAREGRAPH_PG_DATA_DIR and EMBEDDED_PG_PORT must be set');

  let cluster: RunningEmbeddedPostgres | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (reason: string) =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'stopping the embedded PostgreSQL cluster');
      try {
        await cluster?.stop();
      } finally {
        process.exit(0);
      }
    })());
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.once('disconnect', () => void stop('launcher exited'));

  cluster = await startEmbeddedPostgres({ dataDir, port, onLog: logServerLine });
  logger.info({ port, dataDir }, 'embedded PostgreSQL ready');
  if (stopping) return; // asked to stop while starting
  process.send?.({ type: 'ready', name: 'postgres', url: cluster.urlFor('postgres') });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: { message } }, 'embedded PostgreSQL failed to start');
  process.send?.({ type: 'error', message }, () => process.exit(1));
  if (!process.send) process.exit(1);
});
