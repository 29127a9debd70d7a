import { CLINICIAN_ROLES, type EntityManager } from '@caregraph/platform';
import type { LiveHub } from '../live/live-hub';
import { Notification, notificationPayload, type NotificationKind, type NotificationRefs } from './notification.entity';

export interface NewNotification {
  kind: NotificationKind;
  patientId: string | null;
  refs: NotificationRefs;
  /** What caused it (`event:<id>`, `mention:<commentId>`): a user is notified once per source. */
  sourceKey: string;
}

interface NotificationRow {
  id: string;
  user_id: string;
  kind: NotificationKind;
  patient_id: string | null;
  refs: NotificationRefs;
  source_key: string;
  created_at: Date;
  read_at: Date | null;
}

const toNotification = (row: NotificationRow): Notification => Object.assign(new Notification(), {
  id: row.id, userId: row.user_id, kind: row.kind, patientId: row.patient_id, refs: row.refs, sourceKey: row.source_key,
  createdAt: new Date(row.created_at), readAt: row.read_at ? new Date(row.read_at) : null,
});

const RETURNING = `returning "id", "user_id", "kind", "patient_id", "refs", "source_key", "created_at", "read_at"`;

/** Stores the notification for each of `userIds`, in `em`'s transaction; returns those stored now (not the repeats of a source). */
export async function notifyUsers(em: EntityManager, userIds: readonly string[], notification: NewNotification): Promise<Notification[]> {
  if (userIds.length === 0) return [];
  const rows = await em.execute<NotificationRow[]>(
    `insert into "messaging"."notification" ("id", "user_id", "kind", "patient_id", "refs", "source_key")
     select gen_random_uuid(), u, ?, ?::uuid, ?::jsonb, ? from unnest(?::uuid[]) as u
     on conflict ("user_id", "source_key") do nothing ${RETURNING}`,
    [notification.kind, notification.patientId, JSON.stringify(notification.refs), notification.sourceKey, `{${[...new Set(userIds)].join(',')}}`],
  );
  return rows.map(toNotification);
}

/**
 * Stores the notification for the patient's care team: the active physicians and nurses of every
 * organization where the patient is registered (as this subgraph's copies know them).
 */
export async function notifyCareTeam(em: EntityManager, patientId: string, notification: Omit<NewNotification, 'patientId'>): Promise<Notification[]> {
  const rows = await em.execute<NotificationRow[]>(
    `insert into "messaging"."notification" ("id", "user_id", "kind", "patient_id", "refs", "source_key")
     select gen_random_uuid(), a."user_id", ?, r."patient_id", ?::jsonb, ?
       from "messaging"."patient_registration" r
       join "messaging"."directory_account" a on a."organization_id" = r."organization_id" and a."active"
      where r."patient_id" = ?::uuid and a."role" in (${CLINICIAN_ROLES.map(() => '?').join(', ')})
     on conflict ("user_id", "source_key") do nothing ${RETURNING}`,
    [notification.kind, JSON.stringify(notification.refs), notification.sourceKey, patientId, ...CLINICIAN_ROLES],
  );
  return rows.map(toNotification);
}

/** `notification:new` to each notification's user (call once they are committed). */
export function deliverNotifications(live: LiveHub, notifications: readonly Notification[]): void {
  for (const notification of notifications) live.toUser(notification.userId, 'notification:new', notificationPayload(notification));
}
