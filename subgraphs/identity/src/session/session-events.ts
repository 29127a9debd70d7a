import { publishEvents } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * `identity.session-ended`: a session ended before its tokens expire (logout, refresh-token reuse,
 * revocation: deactivation, a role or password change, a refused refresh). Key: the user id.
 * Published in the transaction that ends the session; the messaging service disconnects the
 * session's live sockets. Ids and the reason only.
 */
export const SESSION_ENDED_TOPIC = 'identity.session-ended';

export interface SessionEndedPayload {
  sessionId: string;
  userId: string;
  reason: string;
}

/**
 * Ends the open sessions matching `which` (one session, or a user's sessions but one) with
 * `reason`, and publishes one event per session ended, in one transaction. Returns their ids.
 */
export async function endSessions(em: EntityManager, which: { sessionId: string } | { userId: string; exceptSessionId?: string }, reason: string): Promise<string[]> {
  return em.transactional(async (tx) => {
    const [filter, params] = 'sessionId' in which
      ? [`"id" = ?`, [which.sessionId]]
      : [`"user_id" = ? and "id" <> coalesce(?::uuid, '00000000-0000-0000-0000-000000000000')`, [which.userId, which.exceptSessionId ?? null]];
    const ended = await tx.execute<{ id: string; user_id: string }[]>(
      `update "identity"."session" set "revoked_at" = now(), "revoked_reason" = ? where "revoked_at" is null and ${filter} returning "id", "user_id"`,
      [reason, ...params],
    );
    await publishEvents(tx, ended.map((session) => {
      const payload: SessionEndedPayload = { sessionId: session.id, userId: session.user_id, reason };
      return { topic: SESSION_ENDED_TOPIC, key: session.user_id, payload, producer: 'identity' };
    }));
    return ended.map((session) => session.id);
  });
}
