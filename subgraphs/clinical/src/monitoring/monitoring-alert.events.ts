import { publishEvents, type EntityManager } from '@caregraph/platform';
import { MonitoringAlertKind, type MonitoringAlert } from './monitoring-alert.entity';

/**
 * `clinical.monitoring-alert`: a reading crossed a threshold (the messaging subgraph will deliver
 * it live to the organization's clinicians). Key: the patient id. Published in the transaction that
 * stores the reading and raises the alert. No values: who, which code, which way; the rest is read
 * through the graph under the access policy.
 */
export const MONITORING_ALERT_TOPIC = 'clinical.monitoring-alert';

export interface MonitoringAlertPayload {
  alertId: string;
  patientId: string;
  /** The organization whose threshold was crossed: whose clinicians should hear of it. */
  organizationId: string;
  /** LOINC code of the value that crossed (a component code for blood pressure). */
  code: string;
  kind: 'HIGH' | 'LOW';
}

/** One event per alert, in the caller's transaction. */
export async function publishMonitoringAlerts(em: EntityManager, alerts: readonly MonitoringAlert[]): Promise<void> {
  await publishEvents(em, alerts.map((alert) => {
    const payload: MonitoringAlertPayload = {
      alertId: alert.id,
      patientId: alert.patientId,
      organizationId: alert.organizationId,
      code: alert.code,
      kind: alert.kind === MonitoringAlertKind.HIGH ? 'HIGH' : 'LOW',
    };
    return { topic: MONITORING_ALERT_TOPIC, key: alert.patientId, payload, producer: 'clinical' };
  }));
}
