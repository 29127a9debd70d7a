import {
  badInput, CLINICIAN_ROLES, forbidden, isStaff, perRequest, resourceId, scopesAllow, type RequestContext,
} from '@caregraph/platform';
import { Observation, type ObservationCategory } from '../results/observation';
import { checkObservationEntry, enteredObservationData, requireLoinc } from '../results/observation/observation.service';
import { KNOWN_OBSERVATION_CODES } from '../results/observation/vital-signs';
import { toCoding } from '../results/shared/codes';
import type { MonitoringAlert } from './monitoring-alert.entity';
import { publishMonitoringAlerts } from './monitoring-alert.events';
import { MonitoringAlertService } from './monitoring-alerts.service';
import { MonitoringThresholdService } from './monitoring-thresholds.service';
import type { DeviceReadingInput, RecordDeviceReadingsInput } from './monitoring.inputs';

export interface DeviceReadingsOutcome {
  accepted: number;
  duplicates: number;
  observations: Observation[];
  alerts: MonitoringAlert[];
}

/** Advisory lock class ("moni") of a patient's device readings: batches of one patient are stored one at a time. */
export const READINGS_LOCK_CLASS = 0x6d6f6e69;

/**
 * One reading checked like a clinician's entry of the same code (LOINC, UCUM unit, physically
 * possible value, not in the future), restricted to the known vital signs and labs: their
 * category is known, and thresholds watch them. BAD_USER_INPUT naming `readings[i].<field>`.
 */
function checkReading(reading: DeviceReadingInput, prefix: string, now: Date): ObservationCategory {
  requireLoinc(reading.code, `${prefix}.code`);
  if (!KNOWN_OBSERVATION_CODES[reading.code.code]) {
    throw badInput(`${prefix}.code.code`, `${prefix}.code.code is not a reading remote monitoring takes (${Object.keys(KNOWN_OBSERVATION_CODES).join(', ')})`);
  }
  return checkObservationEntry(reading, prefix, now);
}

/** Device readings: stored as Observations with their device source, checked against thresholds. */
export class DeviceReadingsService {
  static of(ctx: RequestContext): DeviceReadingsService {
    return perRequest(ctx, DeviceReadingsService, () => new DeviceReadingsService(ctx));
  }

  private constructor(private readonly ctx: RequestContext) {}

  /**
   * Who may send readings: the patient, their physicians and nurses, a partner app allowed to
   * create Observations; FORBIDDEN for everyone else. Which patients each may write for is the
   * access policy's (a partner app: its organization's patients, by its write scopes). Returns
   * the caller's organization: null for the patient themself.
   */
  private readingsWriterOrganization(): string | null {
    const principal = this.ctx.principal;
    if (principal.kind === 'user' && principal.role === 'patient') return null;
    if (isStaff(principal, CLINICIAN_ROLES)) return principal.organizationId;
    if (principal.kind === 'client' && principal.organizationId && scopesAllow(principal.scopes, 'Observation', 'c')) return principal.organizationId;
    throw forbidden('Device readings are sent by the patient, their physicians and nurses, or a partner app allowed to create Observations (e.g. system/Observation.c)');
  }

  /** Alerts are chart data (other organizations' limits among them): returned to callers who may read the chart, not to a write-only partner app. */
  private async readable(patientId: string, alerts: MonitoringAlert[]): Promise<MonitoringAlert[]> {
    if (!alerts.length || !(await this.ctx.access.decision(patientId, 'clinical')).allowed) return [];
    this.ctx.access.noteRead(patientId, 'clinical', 'MonitoringAlert', alerts.length);
    return alerts;
  }

  /**
   * Stores a batch of one device's readings of one patient: every reading is checked first; then
   * the new ones, the alerts they raise, the alerts' events and the audit row are written in one
   * transaction, or nothing is. A reading already stored (same device identifier and readingId,
   * also twice in one batch) is counted as a duplicate and not stored again.
   */
  async record(input: RecordDeviceReadingsInput): Promise<DeviceReadingsOutcome> {
    const writerOrganization = this.readingsWriterOrganization();
    const now = new Date();
    const categories = input.readings.map((reading, index) => checkReading(reading, `readings[${index}]`, now));
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'Observation', 'patientId', () => true);
    const patientId = input.patientId.toLowerCase();
    // the patient's own readings belong to the monitoring program of the organization that set one of their thresholds last, if any
    const organizationId = writerOrganization ?? (await MonitoringThresholdService.of(this.ctx).latestOrganization(patientId));

    const { device } = input;
    const em = this.ctx.em;
    await em.begin();
    try {
      // a resend racing its original waits for it, then finds it stored
      await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [READINGS_LOCK_CLASS, patientId]);
      const stored = await em.find(
        Observation,
        { patientId, deviceIdentifier: device.identifier, deviceReadingId: { $in: [...new Set(input.readings.map((reading) => reading.readingId))] } },
        { fields: ['deviceReadingId'] },
      );
      const seen = new Set(stored.map((observation) => observation.deviceReadingId));
      const observations: Observation[] = [];
      input.readings.forEach((reading, index) => {
        if (seen.has(reading.readingId)) return;
        seen.add(reading.readingId);
        observations.push(em.create(Observation, {
          patientId,
          organizationId,
          encounterId: null,
          ...enteredObservationData(reading, categories[index], now),
          deviceId: resourceId('Device', device.identifier),
          deviceIdentifier: device.identifier,
          deviceType: device.type ? toCoding(device.type) : null,
          deviceName: device.name ?? null,
          deviceReadingId: reading.readingId,
        }));
      });
      // the readings first: alerts point at them (foreign key)
      await em.flush();
      const alerts = await MonitoringAlertService.of(this.ctx).raise(em, patientId, observations);
      await em.flush();
      await publishMonitoringAlerts(em, alerts);
      if (observations.length) {
        await this.ctx.access.recordWrite(em, patientId, 'clinical', 'Observation', {
          operation: 'device-readings', records: observations.length, duplicates: input.readings.length - observations.length, alerts: alerts.length,
        });
      }
      await em.commit();
      return { accepted: observations.length, duplicates: input.readings.length - observations.length, observations, alerts: await this.readable(patientId, alerts) };
    } catch (error) {
      await em.rollback();
      throw error;
    }
  }
}
