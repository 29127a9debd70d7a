import { EventConsumer, type DeliveredEvent, type EntityManager, type EventConsumerOptions, type Logger, type MikroORM } from '@caregraph/platform';
import { ACCOUNT_TOPIC, applyAccount, applyRegistrations, isUuid, PATIENT_REGISTRATIONS_TOPIC, payloadOf } from '../directory/directory.events';
import type { LiveHub } from '../live/live-hub';
import { applyMention, MENTION_TOPIC } from './mentions';
import { Notification, NotificationKind } from './notification.entity';
import { deliverNotifications, notifyCareTeam } from './notification.store';

/** The clinical subgraph's src/monitoring/monitoring-alert.events.ts: a reading crossed a threshold. */
export const MONITORING_ALERT_TOPIC = 'clinical.monitoring-alert';
/** The clinical subgraph's src/care-gaps/care-gap.events.ts: a chart write opened a care gap. */
export const CARE_GAP_OPENED_TOPIC = 'clinical.care-gap-opened';
export const NOTIFICATIONS_CONSUMER = 'messaging.notifications';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One `clinical.monitoring-alert` event: a notification for each clinician of the patient's care team. */
async function applyMonitoringAlert(em: EntityManager, event: DeliveredEvent): Promise<Notification[]> {
  const { payload, invalid } = payloadOf(event);
  const { alertId, patientId, organizationId, code, kind } = payload;
  if (!isUuid(alertId)) throw invalid('alertId');
  if (!isUuid(patientId) || patientId !== event.key) throw invalid('patientId');
  if (!isUuid(organizationId)) throw invalid('organizationId');
  if (typeof code !== 'string' || !code) throw invalid('code');
  if (kind !== 'HIGH' && kind !== 'LOW') throw invalid('kind');
  return notifyCareTeam(em, patientId, {
    kind: NotificationKind.MONITORING_ALERT,
    refs: { alertId, code, direction: kind, organizationId },
    sourceKey: `monitoring-alert:${alertId}`,
  });
}

/** One `clinical.care-gap-opened` event: a notification for each clinician of the patient's care team. */
async function applyCareGapOpened(em: EntityManager, event: DeliveredEvent): Promise<Notification[]> {
  const { payload, invalid } = payloadOf(event);
  const { patientId, ruleId, ruleCode, status, dueDate } = payload;
  if (!isUuid(patientId) || patientId !== event.key) throw invalid('patientId');
  if (!isUuid(ruleId)) throw invalid('ruleId');
  if (typeof ruleCode !== 'string' || !ruleCode) throw invalid('ruleCode');
  if (status !== 'DUE' && status !== 'OVERDUE') throw invalid('status');
  if (typeof dueDate !== 'string' || !DATE.test(dueDate)) throw invalid('dueDate');
  return notifyCareTeam(em, patientId, {
    kind: NotificationKind.CARE_GAP,
    refs: { ruleId, ruleCode, status, dueDate },
    sourceKey: `care-gap:${event.id}`,
  });
}

/** Each topic's handler but registrations' (applied set-based): what it notified (the directory copy notifies nobody). */
const HANDLERS: Record<string, (em: EntityManager, event: DeliveredEvent) => Promise<Notification[] | void>> = {
  [ACCOUNT_TOPIC]: applyAccount,
  [MONITORING_ALERT_TOPIC]: applyMonitoringAlert,
  [CARE_GAP_OPENED_TOPIC]: applyCareGapOpened,
  [MENTION_TOPIC]: applyMention,
};

/**
 * A read's worth of events in one transaction, in order: the directory and registration copies
 * first come up to date with everything published before an alert, so its care team is the one
 * of that moment. Returns the notifications stored, for live delivery after commit.
 */
export async function applyNotificationEvents(em: EntityManager, events: readonly DeliveredEvent[]): Promise<Notification[]> {
  const stored: Notification[] = [];
  let registrations: DeliveredEvent[] = [];
  for (const event of events) {
    if (event.topic === PATIENT_REGISTRATIONS_TOPIC) {
      registrations.push(event);
      continue;
    }
    await applyRegistrations(em, registrations); // the ones before this event, in one go
    registrations = [];
    stored.push(...((await HANDLERS[event.topic](em, event)) ?? []));
  }
  await applyRegistrations(em, registrations);
  return stored;
}

/**
 * The messaging subgraph's notifications worker: keeps the directory and registration copies, and
 * turns chart-comment mentions and clinical alerts into notifications, delivered live once
 * committed. An event consumer: what is published while messaging is down is handled when it
 * starts again.
 */
export function startNotificationConsumer(
  services: { orm: MikroORM; logger: Logger; live: LiveHub },
  options: Partial<Omit<EventConsumerOptions, 'name' | 'topics' | 'handler' | 'batchHandler' | 'afterCommit' | 'orm' | 'logger'>> = {},
): Promise<EventConsumer> {
  return new EventConsumer({
    name: NOTIFICATIONS_CONSUMER,
    topics: [...Object.keys(HANDLERS), PATIENT_REGISTRATIONS_TOPIC],
    batchHandler: applyNotificationEvents,
    afterCommit: (stored) => deliverNotifications(services.live, stored as Notification[]),
    orm: services.orm,
    logger: services.logger,
    ...options,
  }).start();
}
