import { startEventConsumer, type EventConsumer, type Logger } from '@caregraph/platform';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';

/**
 * `identity.session-ended`, published by the identity subgraph (identity/src/session/session-events.ts)
 * when a session ends: logout, refresh-token reuse, revocation by an administrator, a password or
 * role change. Restated here because subgraphs never import each other; test/live-chart.test.ts
 * proves both sides agree.
 */
export const SESSION_ENDED_TOPIC = 'identity.session-ended';

export interface SessionEndedPayload {
  sessionId: string;
  userId: string;
  reason: string;
}

/** Longer than any access token lives: after that, the session's tokens are refused anyway. */
const REMEMBERED_MS = 24 * 3600_000;

/**
 * Remembers ended sessions (their sockets are refused at the handshake while their access tokens
 * still live) and disconnects their sockets on every instance. The row is committed before the
 * disconnect, so a client reconnecting at once is refused.
 */
export function startSessionEndedConsumer(services: { orm: MikroORM; logger: Logger; endSession(sessionId: string): void }): Promise<EventConsumer> {
  const { orm, logger } = services;
  return startEventConsumer({
    name: 'messaging.live-sessions',
    topics: [SESSION_ENDED_TOPIC],
    orm,
    logger,
    handler: async (_em, event) => {
      const { sessionId, userId } = (event.payload ?? {}) as Partial<SessionEndedPayload>;
      if (typeof sessionId !== 'string' || !isUuid(sessionId)) {
        logger.warn({ eventId: event.id }, 'live: session-ended event without a session id; skipped');
        return;
      }
      if (Date.now() - event.occurredAt.getTime() > REMEMBERED_MS) return;
      await (orm.em.fork() as EntityManager).execute(
        `with forgotten as (delete from "messaging"."ended_session" where "ended_at" < now() - interval '1 day')
         insert into "messaging"."ended_session" ("session_id", "user_id", "ended_at") values (?, ?, ?) on conflict do nothing`,
        [sessionId, typeof userId === 'string' && isUuid(userId) ? userId : null, event.occurredAt],
      );
      services.endSession(sessionId);
    },
  });
}
