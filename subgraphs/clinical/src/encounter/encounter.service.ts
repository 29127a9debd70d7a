import { badInput, findByIds, forbidden, notFound, orderByIds, requireStaff, type Coding, type CodingInput, type Connection, type RequestContext, CLINICIAN_ROLES, type ListSelection } from '@caregraph/platform';
import { Encounter } from './encounter.entity';
import type { PatientEncountersArgs, RecordEncounterInput, SetVisitSummaryInput } from './encounter.inputs';
import { listChartRecords } from '../chart/chart-list';

const toCoding = (coding: CodingInput): Coding => ({ system: coding.system ?? null, code: coding.code, display: coding.display ?? null });

/** Encounters of a patient: the spine of the clinical record that other clinical data hangs off. */
export class EncounterService {
  constructor(private readonly ctx: RequestContext) {}

  /** Encounters by id, in id order: null where unknown or where the caller may not see the patient's clinical record. */
  async visibleByIds(ids: readonly string[]): Promise<(Encounter | null)[]> {
    const rows = orderByIds(ids, await findByIds(this.ctx.em, Encounter, ids));
    return this.ctx.access.visible(rows, 'clinical', 'Encounter', (encounter) => encounter.patientId);
  }

  /** A patient's encounters, newest first, with the chart filters; null when the caller may not see the patient's clinical record. */
  listForPatient(
    patientId: string, args: PatientEncountersArgs, selection: ListSelection, onRead?: (encounters: Encounter[], allowed: Promise<boolean>) => void,
  ): Promise<Connection<Encounter> | null> {
    return listChartRecords(this.ctx, {
      entity: Encounter,
      recordType: 'Encounter',
      patientId,
      args,
      dateField: 'periodStart',
      codeField: 'typeCode',
      where: args.status ? { status: args.status } : {},
      selection,
      onRead,
    });
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
      typeCode: input.type?.code ?? null,
      locationName: input.locationName?.trim() || null,
      visitSummary: input.visitSummary?.trim() || null,
      reasons: input.reasons.map(toCoding),
      periodStart,
      periodEnd,
      participantPractitionerIds: [...new Set(input.participantPractitionerIds.map((id) => id.toLowerCase()))],
    });
    await this.ctx.access.flushAudited(this.ctx.em, encounter.patientId, 'clinical', 'Encounter', { operation: 'create' });
    return encounter;
  }

  /** A clinician of the encounter's organization writes (or clears) its visit summary. */
  async setVisitSummary(input: SetVisitSummaryInput): Promise<Encounter> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'write visit summaries');
    const [encounter] = await this.visibleByIds([input.encounterId]);
    if (!encounter) throw notFound('Encounter', 'encounterId');
    if (encounter.organizationId !== clinician.organizationId) throw forbidden('Visit summaries are written by the organization that provided the encounter', 'encounterId');
    encounter.visitSummary = input.visitSummary.trim() || null;
    await this.ctx.access.flushAudited(this.ctx.em, encounter.patientId, 'clinical', 'Encounter', { operation: 'visit-summary' });
    return encounter;
  }
}
