import { badInput, findByIds, findPage, forbidden, orderByIds, requireStaff, toConnection, type Coding, type CodingInput, type Connection, type RequestContext, CLINICIAN_ROLES } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { Encounter } from './encounter.entity';
import type { PatientEncountersArgs, RecordEncounterInput } from './encounter.inputs';

const toCoding = (coding: CodingInput): Coding => ({ system: coding.system ?? null, code: coding.code, display: coding.display ?? null });

/** Encounters of a patient: the spine of the clinical record that other clinical data hangs off. */
export class EncounterService {
  constructor(private readonly ctx: RequestContext) {}

  /** Encounters by id, in id order: null where unknown or where the caller may not see the patient's clinical record. */
  async visibleByIds(ids: readonly string[]): Promise<(Encounter | null)[]> {
    const rows = orderByIds(ids, await findByIds(this.ctx.em, Encounter, ids));
    return this.ctx.access.visible(rows, 'clinical', 'Encounter', (encounter) => encounter.patientId);
  }

  /**
   * A patient's encounters, newest first, optionally by status and start time window [from, to);
   * null when the caller may not see the patient's clinical record.
   */
  async listForPatient(patientId: string, args: PatientEncountersArgs, includeCount: boolean): Promise<Connection<Encounter> | null> {
    const { from, to } = args;
    if (from && to && to < from) throw badInput('to', 'to must not be before from');
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'clinical', 'Encounter'))) return null;

    const where: FilterQuery<Encounter> = { patientId };
    if (args.status) where.status = args.status;
    if (from || to) where.periodStart = { ...(from && { $gte: from }), ...(to && { $lt: to }) };
    const page = await findPage(this.ctx.em, Encounter, where, {
      first: args.first,
      after: args.after,
      // matches the index (patient_id, period_start desc, id)
      orderBy: { periodStart: 'desc', id: 'asc' },
      includeCount,
    });
    if (page.items.length) this.ctx.access.noteRead(patientId, 'clinical', 'Encounter', page.items.length);
    return toConnection(page);
  }

  /** A clinician records an encounter at their own organization, for a patient whose chart they may see. */
  async record(input: RecordEncounterInput): Promise<Encounter> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'record encounters');
    const { periodStart, periodEnd = null } = input;
    if (periodEnd && periodEnd < periodStart) throw badInput('periodEnd', 'periodEnd must not be before periodStart');
    if (input.organizationId.toLowerCase() !== clinician.organizationId) throw forbidden('Encounters are recorded for your own organization', 'organizationId');
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'Encounter', 'patientId', () => true);
    const encounter = this.ctx.em.create(Encounter, {
      patientId: input.patientId.toLowerCase(),
      organizationId: input.organizationId.toLowerCase(),
      status: input.status,
      classCode: input.classCode,
      type: input.type ? toCoding(input.type) : null,
      reasons: input.reasons.map(toCoding),
      periodStart,
      periodEnd,
      participantPractitionerIds: [...new Set(input.participantPractitionerIds.map((id) => id.toLowerCase()))],
    });
    await this.ctx.access.flushAudited(this.ctx.em, encounter.patientId, 'clinical', 'Encounter', { operation: 'create' });
    return encounter;
  }
}
