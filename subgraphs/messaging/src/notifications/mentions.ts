import { CLINICIAN_ROLES, type DeliveredEvent, type EntityManager } from '@caregraph/platform';
import { isUuid, payloadOf } from '../directory/directory.events';
import { NotificationKind, type Notification } from './notification.entity';
import { notifyUsers } from './notification.store';

/**
 * The comment service's outbox event (comment/comment-events.ts, see live/live-hub.ts): the
 * practitioners a chart comment newly mentions, published in the comment's transaction.
 */
export const MENTION_TOPIC = 'messaging.chart-comment-mention';

/**
 * One mention event: a notification for each active physician or nurse account linked to a
 * mentioned practitioner (not the author), once per comment and user. Whether they may see the
 * patient is not known here (no caller to ask the policy as): the notification carries ids only,
 * and myNotifications shows it only to someone who may read the chart (decided on each read).
 */
export async function applyMention(em: EntityManager, event: DeliveredEvent): Promise<Notification[]> {
  const { payload, invalid } = payloadOf(event);
  const { commentId, patientId, author, practitionerIds } = payload;
  const authorUserId = (author as { userId?: unknown } | null)?.userId;
  if (!isUuid(commentId)) throw invalid('commentId');
  if (!isUuid(patientId) || patientId !== event.key) throw invalid('patientId');
  if (!isUuid(authorUserId)) throw invalid('author.userId');
  if (!Array.isArray(practitionerIds) || !practitionerIds.every(isUuid)) throw invalid('practitionerIds');
  if (practitionerIds.length === 0) return [];
  const accounts = await em.execute<{ user_id: string }[]>(
    `select "user_id" from "messaging"."directory_account"
      where "practitioner_id" = any(?::uuid[]) and "active" and "role" in (${CLINICIAN_ROLES.map(() => '?').join(', ')}) and "user_id" <> ?`,
    [`{${practitionerIds.join(',')}}`, ...CLINICIAN_ROLES, authorUserId],
  );
  return notifyUsers(em, accounts.map((account) => account.user_id), {
    kind: NotificationKind.MENTION,
    patientId: patientId.toLowerCase(),
    refs: { commentId: commentId.toLowerCase(), authorUserId: authorUserId.toLowerCase() },
    sourceKey: `mention:${commentId.toLowerCase()}`,
  });
}
