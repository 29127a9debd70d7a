import { CLINICIAN_ROLES, perRequest, requireStaff, type Connection, type ListSelection } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { listChartRecords } from '../../chart/chart-list';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import type { ClinicalContext } from '../../context';
import { codingFrom, CVX, encounterOfPatient, notInFuture } from '../shared';
import { Immunization, ImmunizationStatus } from './immunization.entity';
import type { PatientImmunizationsArgs, RecordImmunizationInput } from './immunization.inputs';

/** Immunizations by id for this request (queries by id, `_entities`): null where unknown or hidden. */
export const immunizationLoader = (ctx: ClinicalContext): DataLoader<string, Immunization | null> => recordById(ctx, Immunization, 'Immunization');

/** Each encounter's immunizations for this request, newest first; those of patients the caller may not see are left out. */
export const immunizationsByEncounter = (ctx: ClinicalContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<Immunization> =>
  recordsByEncounter(ctx, Immunization, 'Immunization', 'occurredAt', first, fields);

/** The request's ImmunizationService. */
export const immunizationService = (ctx: ClinicalContext): ImmunizationService => perRequest(ctx, ImmunizationService, () => new ImmunizationService(ctx));

/** A patient's vaccinations. */
export class ImmunizationService {
  constructor(private readonly ctx: ClinicalContext) {}

  /** A patient's immunizations, most recent first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientImmunizationsArgs, selection: ListSelection): Promise<Connection<Immunization> | null> {
    return listChartRecords(this.ctx, {
      entity: Immunization,
      recordType: 'Immunization',
      patientId,
      args,
      dateField: 'occurredAt',
      codeField: 'codeValue',
      where: args.status ? { status: args.status } : {},
      selection,
    });
  }

  /** A clinician records a vaccination at their own organization, for a patient whose chart they may see. */
  async record(input: RecordImmunizationInput): Promise<Immunization> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'record immunizations');
    const vaccineCode = codingFrom(input.vaccineCode, [CVX], 'vaccineCode');
    notInFuture(input.occurredAt, 'occurredAt');
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'Immunization', 'patientId', () => true);
    const patientId = input.patientId.toLowerCase();
    const encounterId = await encounterOfPatient(this.ctx, input.encounterId, patientId);
    const immunization = this.ctx.em.create(Immunization, {
      patientId,
      organizationId: clinician.organizationId,
      encounterId,
      vaccineCode,
      codeValue: vaccineCode.code,
      status: input.status ?? ImmunizationStatus.COMPLETED,
      occurredAt: input.occurredAt,
      primarySource: input.primarySource ?? true,
    });
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'Immunization', { operation: 'create' });
    return immunization;
  }
}
