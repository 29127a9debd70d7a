import {
  CLINICIAN_ROLES, conflict, findByIds, findPage, forbidden, notFound, orderByIds, perRequest, requireStaff, toConnection,
  type Connection, type EntityManager, type RequestContext,
} from '@caregraph/platform';
import { LockMode } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import type { Observation } from '../results/observation';
import { MonitoringAlert, MonitoringAlertKind, MonitoringAlertStatus } from './monitoring-alert.entity';
import { MonitoringThreshold } from './monitoring-threshold.entity';
import type { MonitoringAlertsArgs } from './monitoring.inputs';

/** One measured value of an observation: its own value, or a component's (systolic of a blood pressure). */
interface MeasuredValue {
  observation: Observation;
  code: string;
  value: number;
  unit: string | null;
}

function measuredValuesOf(observation: Observation): MeasuredValue[] {
  const values: MeasuredValue[] = [];
  if (observation.valueQuantity != null) {
    values.push({ observation, code: observation.codeValue, value: Number(observation.valueQuantity), unit: observation.valueUnitCode ?? null });
  }
  for (const component of observation.components) {
    if (component.quantity) values.push({ observation, code: component.code.code, value: Number(component.quantity.value), unit: component.quantity.unitCode });
  }
  return values;
}

/** Which limit a value crosses, if any: strictly above high, strictly below low (a value on a limit is within). */
function crossing(value: number, threshold: MonitoringThreshold): { kind: MonitoringAlertKind; limit: number } | null {
  if (threshold.high != null && value > threshold.high) return { kind: MonitoringAlertKind.HIGH, limit: threshold.high };
  if (threshold.low != null && value < threshold.low) return { kind: MonitoringAlertKind.LOW, limit: threshold.low };
  return null;
}

/** Monitoring alerts: raised with the readings, listed per patient and per organization, acknowledged. */
export class MonitoringAlertService {
  static of(ctx: RequestContext): MonitoringAlertService {
    return perRequest(ctx, MonitoringAlertService, () => new MonitoringAlertService(ctx));
  }

  private constructor(private readonly ctx: RequestContext) {}

  /**
   * The alerts new readings raise against every organization's thresholds for the patient (each
   * value against each threshold of its code), created in `em` (the readings' transaction); the
   * caller flushes. Readings and thresholds share the unit (both are checked against the code's
   * UCUM unit), so a value is compared as it came.
   */
  async raise(em: EntityManager, patientId: string, observations: readonly Observation[]): Promise<MonitoringAlert[]> {
    const values = observations.flatMap(measuredValuesOf);
    if (!values.length) return [];
    const thresholds = await em.find(MonitoringThreshold, { patientId, code: { $in: [...new Set(values.map((value) => value.code))] } });
    const alerts: MonitoringAlert[] = [];
    for (const measured of values) {
      for (const threshold of thresholds) {
        if (threshold.code !== measured.code || threshold.unit !== measured.unit) continue;
        const crossed = crossing(measured.value, threshold);
        if (!crossed) continue;
        alerts.push(em.create(MonitoringAlert, {
          patientId,
          observationId: measured.observation.id,
          thresholdId: threshold.id,
          organizationId: threshold.organizationId,
          code: measured.code,
          value: measured.value,
          unit: threshold.unit,
          kind: crossed.kind,
          limitValue: crossed.limit,
        }));
      }
    }
    return alerts;
  }

  /** A patient's alerts (every organization's), newest first; null when the caller may not see the patient's clinical record. */
  async listForPatient(patientId: string, args: MonitoringAlertsArgs, includeCount: boolean): Promise<Connection<MonitoringAlert> | null> {
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'clinical', 'MonitoringAlert'))) return null;
    const page = await this.page({ patientId: patientId.toLowerCase(), ...(args.status && { status: args.status }) }, args, includeCount);
    if (page.edges.length) this.ctx.access.noteRead(patientId, 'clinical', 'MonitoringAlert', page.edges.length);
    return page;
  }

  /**
   * The alerts of the caller's organization (raised by thresholds it set), newest first, for its
   * physicians and nurses. Alerts of a patient the caller may no longer see (a consent revoked)
   * are left out of the page, like records that do not exist.
   */
  async listForOrganization(args: MonitoringAlertsArgs, includeCount: boolean): Promise<Connection<MonitoringAlert>> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, "read their organization's monitoring alerts");
    const page = await this.page({ organizationId: clinician.organizationId, ...(args.status && { status: args.status }) }, args, includeCount);
    const visible = await this.ctx.access.visible(page.edges.map((edge) => edge.node), 'clinical', 'MonitoringAlert', (alert) => alert.patientId);
    return { ...page, edges: page.edges.filter((_edge, index) => visible[index]) };
  }

  /**
   * A clinician of the alert's organization acknowledges it. The row is locked while checked and
   * changed, so of two acknowledging at once the second gets CONFLICT naming who did and when.
   */
  async acknowledge(id: string): Promise<MonitoringAlert> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'acknowledge monitoring alerts');
    const [alert] = await this.ctx.access.visible(orderByIds([id], await findByIds(this.ctx.em, MonitoringAlert, [id])), 'clinical', 'MonitoringAlert', (row) => row.patientId);
    if (!alert) throw notFound('MonitoringAlert', 'id');
    await this.ctx.access.requireWrite(alert.patientId, 'clinical', 'MonitoringAlert', 'id', () => true);
    if (alert.organizationId !== clinician.organizationId) throw forbidden('An alert is acknowledged by the organization whose threshold raised it', 'id');

    const em = this.ctx.em;
    await em.begin();
    try {
      const current = await em.findOneOrFail(MonitoringAlert, { id: alert.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (current.status === MonitoringAlertStatus.ACKNOWLEDGED) {
        const at = current.acknowledgedAt!.toISOString();
        throw conflict(`The alert was already acknowledged at ${at} by user ${current.acknowledgedBy}`, { field: 'id', acknowledgedBy: current.acknowledgedBy, acknowledgedAt: at });
      }
      current.status = MonitoringAlertStatus.ACKNOWLEDGED;
      current.acknowledgedBy = clinician.userId;
      current.acknowledgedAt = new Date();
      await em.flush();
      await this.ctx.access.recordWrite(em, current.patientId, 'clinical', 'MonitoringAlert', { operation: 'acknowledge', alertId: current.id });
      await em.commit();
      return current;
    } catch (error) {
      await em.rollback();
      throw error;
    }
  }

  private async page(where: Partial<Pick<MonitoringAlert, 'patientId' | 'organizationId' | 'status'>>, args: MonitoringAlertsArgs, includeCount: boolean) {
    const page = await findPage(this.ctx.em, MonitoringAlert, where, { first: args.first, after: args.after, orderBy: { createdAt: 'desc', id: 'asc' }, includeCount });
    return toConnection(page, (row) => row as MonitoringAlert);
  }
}
