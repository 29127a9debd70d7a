import type { ClinicalFeature } from '../feature';
import { ObservationDeviceResolver } from './device-source';
import { MonitoringAlert } from './monitoring-alert.entity';
import { MonitoringThreshold } from './monitoring-threshold.entity';
import { MonitoringAlertFieldsResolver, MonitoringResolver, MonitoringThresholdFieldsResolver, PatientMonitoringResolver } from './monitoring.resolver';

export { MONITORING_ALERT_TOPIC, type MonitoringAlertPayload } from './monitoring-alert.events';

/**
 * Remote monitoring: device readings (stored as Observations with their device source), thresholds
 * per patient, code and organization, and the alerts readings beyond them raise (each also
 * published as a `clinical.monitoring-alert` event). No FHIR import: readings arrive through
 * recordDeviceReadings, or the gateway's POST /devices/readings, which runs it.
 */
export const monitoringFeature: ClinicalFeature = {
  entities: [MonitoringThreshold, MonitoringAlert],
  resolvers: [MonitoringResolver, PatientMonitoringResolver, MonitoringThresholdFieldsResolver, MonitoringAlertFieldsResolver, ObservationDeviceResolver],
};
