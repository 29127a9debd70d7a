import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/** What a notification is about. Values as stored. */
export enum NotificationKind {
  MENTION = 'mention',
  MONITORING_ALERT = 'monitoring-alert',
  CARE_GAP = 'care-gap',
}
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'MENTION: a chart comment mentions you; MONITORING_ALERT: a device reading crossed a threshold; CARE_GAP: a care gap opened',
});

/** What each kind points at (ids and codes only, never values). */
export interface MentionRefs { commentId: string; authorUserId: string }
export interface MonitoringAlertRefs { alertId: string; code: string; direction: 'HIGH' | 'LOW'; organizationId: string }
export interface CareGapRefs { ruleId: string; ruleCode: string; status: 'DUE' | 'OVERDUE'; dueDate: string }
export type NotificationRefs = MentionRefs | MonitoringAlertRefs | CareGapRefs;

/**
 * One thing one user should know, about one patient: kept until read (`readAt`) and beyond. A
 * source (a comment, an event) notifies each user once (`sourceKey`).
 */
@ObjectType({ description: 'Something a clinician should know of: a mention, a monitoring alert or a care gap of a patient' })
@Entity({ tableName: 'notification' })
export class Notification {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => NotificationKind)
  @Enum({ items: () => NotificationKind, type: 'text' })
  kind!: NotificationKind;

  @Property({ type: 'uuid', nullable: true })
  patientId?: string | null;

  @Property({ type: 'json' })
  refs!: NotificationRefs;

  @Property({ type: 'text' })
  sourceKey!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date, { nullable: true, description: 'When its user marked it read; null while unread' })
  @Property({ type: 'timestamptz', nullable: true })
  readAt?: Date | null;
}

@ObjectType({ description: 'The chart comment that mentions you' })
export class NotificationMention {
  @Field(() => ID) commentId!: string;
  @Field(() => ID, { description: 'The user account that wrote it' }) authorUserId!: string;
}

@ObjectType({ description: 'A remote-monitoring alert (read it with Patient.monitoringAlerts)' })
export class NotificationMonitoringAlert {
  @Field(() => ID) alertId!: string;
  @Field(() => String, { description: 'The LOINC code of the value that crossed' }) code!: string;
  @Field(() => String, { description: 'HIGH or LOW' }) direction!: string;
  @Field(() => ID, { description: 'The organization whose threshold was crossed' }) organizationId!: string;
}

@ObjectType({ description: 'A care gap that opened (read it with Patient.careGaps)' })
export class NotificationCareGap {
  @Field(() => ID) ruleId!: string;
  @Field(() => String, { description: 'The rule code, e.g. hba1c-diabetes' }) ruleCode!: string;
  @Field(() => String, { description: 'DUE or OVERDUE when it opened' }) status!: string;
  @Field(() => String, { description: 'YYYY-MM-DD' }) dueDate!: string;
}

/** The GraphQL names of the kinds (MENTION, ...): what live payloads carry too. */
const NOTIFICATION_KIND_NAMES = Object.fromEntries(Object.entries(NotificationKind).map(([name, value]) => [value, name])) as Record<NotificationKind, string>;

/** A notification as `notification:new` carries it (the GraphQL shape, ids for references). */
export function notificationPayload(notification: Notification) {
  return {
    id: notification.id,
    kind: NOTIFICATION_KIND_NAMES[notification.kind],
    patientId: notification.patientId ?? null,
    createdAt: notification.createdAt.toISOString(),
    readAt: notification.readAt?.toISOString() ?? null,
    mention: notification.kind === NotificationKind.MENTION ? notification.refs : null,
    monitoringAlert: notification.kind === NotificationKind.MONITORING_ALERT ? notification.refs : null,
    careGap: notification.kind === NotificationKind.CARE_GAP ? notification.refs : null,
  };
}
