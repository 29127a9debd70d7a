import { randomUUID } from 'node:crypto';
import {
  badInput, CLINICIAN_ROLES, findByIds, forbidden, notFound, orderByIds, perRequest, requireStaff, type RequestContext,
} from '@caregraph/platform';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import { knownMeasurement, KNOWN_OBSERVATION_CODES, describeRange, withinRange } from '../results/observation/vital-signs';
import { isLoincCode } from '../results/shared/codes';
import { MonitoringThreshold } from './monitoring-threshold.entity';
import type { SetMonitoringThresholdInput } from './monitoring.inputs';

/** The codes a threshold may watch: known single measurements, and the components of known panels. */
const THRESHOLD_CODES = Object.entries(KNOWN_OBSERVATION_CODES)
  .flatMap(([code, known]) => (known.measurement ? [code] : Object.keys(known.components ?? {})));

/**
 * The limits as given, checked against what the code measures: its UCUM unit (readings of the code
 * come in that unit only, so a threshold never needs converting) and its physically possible
 * range; at least one limit, low below high. BAD_USER_INPUT naming the field, never the value.
 */
function checkThreshold(input: SetMonitoringThresholdInput): void {
  const measurement = isLoincCode(input.code) ? knownMeasurement(input.code) : undefined;
  if (!measurement) throw badInput('code', `code must be the LOINC code of a known measurement (${THRESHOLD_CODES.join(', ')})`);
  if (input.unit !== measurement.unit) throw badInput('unit', `${measurement.name} thresholds are given in ${measurement.unit} (UCUM), the unit its readings come in`);
  const limits = { low: input.low, high: input.high };
  if (limits.low == null && limits.high == null) throw badInput('high', 'give low, high or both');
  for (const [field, limit] of Object.entries(limits)) {
    if (limit != null && !withinRange(limit, measurement.range)) throw badInput(field, describeRange(measurement));
  }
  if (limits.low != null && limits.high != null && limits.low >= limits.high) throw badInput('high', 'high must be above low');
}

/** Monitoring thresholds: set and removed by an organization's clinicians, read with the chart. */
export class MonitoringThresholdService {
  static of(ctx: RequestContext): MonitoringThresholdService {
    return perRequest(ctx, MonitoringThresholdService, () => new MonitoringThresholdService(ctx));
  }

  /** Thresholds by id, one query per tick. Reached only through an alert the caller may see: no check of its own. */
  readonly byId = new DataLoader<string, MonitoringThreshold | null>(async (ids) => orderByIds(ids, await findByIds(this.ctx.em, MonitoringThreshold, ids)));

  private constructor(private readonly ctx: RequestContext) {}

  /** A patient's thresholds from every organization, newest first; null when the caller may not see the patient's clinical record. */
  async listForPatient(patientId: string): Promise<MonitoringThreshold[] | null> {
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'clinical', 'MonitoringThreshold'))) return null;
    const thresholds = await this.ctx.em.find(MonitoringThreshold, { patientId: patientId.toLowerCase() }, { orderBy: { setAt: 'desc', id: 'asc' } });
    if (thresholds.length) this.ctx.access.noteRead(patientId, 'clinical', 'MonitoringThreshold', thresholds.length);
    return thresholds;
  }

  /** The organization that set one of the patient's thresholds last: whose program a patient's own readings belong to. */
  async latestOrganization(patientId: string): Promise<string | null> {
    const latest = await this.ctx.em.findOne(MonitoringThreshold, { patientId }, { orderBy: { setAt: 'desc', id: 'asc' }, fields: ['organizationId'] });
    return latest?.organizationId ?? null;
  }

  /**
   * A clinician sets limits for a patient whose chart they may see, for their organization:
   * inserted, or replacing the organization's limits for that code, with its audit row.
   */
  async set(input: SetMonitoringThresholdInput): Promise<MonitoringThreshold> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'set monitoring thresholds');
    checkThreshold(input);
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'MonitoringThreshold', 'patientId', () => true);
    const patientId = input.patientId.toLowerCase();
    return this.ctx.em.transactional(async (em) => {
      // one statement: two clinicians of the organization setting it at once cannot make two rows
      const [row] = await em.execute<Record<string, unknown>[]>(
        `insert into "clinical"."monitoring_threshold" ("id", "patient_id", "code", "low", "high", "unit", "organization_id", "set_by", "set_at")
         values (?, ?, ?, ?, ?, ?, ?, ?, now())
         on conflict ("patient_id", "code", "organization_id") do update
           set "low" = excluded."low", "high" = excluded."high", "unit" = excluded."unit", "set_by" = excluded."set_by", "set_at" = excluded."set_at"
         returning *`,
        [randomUUID(), patientId, input.code, input.low ?? null, input.high ?? null, input.unit, clinician.organizationId, clinician.userId],
      );
      const threshold = em.map(MonitoringThreshold, row);
      await this.ctx.access.recordWrite(em, patientId, 'clinical', 'MonitoringThreshold', { operation: 'set', thresholdId: threshold.id });
      return threshold;
    });
  }

  /** A clinician of the organization that set a threshold removes it; its alerts stay (without it). */
  async remove(id: string): Promise<MonitoringThreshold> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'remove monitoring thresholds');
    const [threshold] = await this.ctx.access.visible([await this.byId.load(id)], 'clinical', 'MonitoringThreshold', (row) => row.patientId);
    if (!threshold) throw notFound('MonitoringThreshold', 'id');
    await this.ctx.access.requireWrite(threshold.patientId, 'clinical', 'MonitoringThreshold', 'id', () => true);
    if (threshold.organizationId !== clinician.organizationId) throw forbidden('A threshold is removed by the organization that set it', 'id');
    this.ctx.em.remove(threshold);
    await this.ctx.access.flushAudited(this.ctx.em, threshold.patientId, 'clinical', 'MonitoringThreshold', { operation: 'remove', thresholdId: threshold.id });
    return threshold;
  }
}
