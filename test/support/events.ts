import { withSql } from './principals';

/**
 * Resolves once every consumer has handled every published event (e.g. the demographics events a
 * FHIR import publishes): after it, background consumers send no statements a test could mistake
 * for a request's own.
 */
export async function eventsConsumed(databaseUrl: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const [row] = await withSql(databaseUrl, (q) => q(
      `select coalesce((select max(id) from events.event), 0) <= coalesce((select min(last_id) from events.consumer_offset), 0) as done`));
    if (row.done) return;
  }
  throw new Error('the event consumers did not catch up');
}
