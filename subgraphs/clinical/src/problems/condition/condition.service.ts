import { badInput, CLINICIAN_ROLES, perRequest, requireStaff, type Connection, type ListSelection } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { listChartRecords, type ChartListArgs } from '../../chart/chart-list';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import type { ClinicalContext } from '../../context';
import { codingFrom, encounterOfPatient, ICD10_CM, notInFuture, SNOMED } from '../shared';
import { ACTIVE_CONDITION_STATUSES, Condition, ConditionCategory, ConditionVerificationStatus } from './condition.entity';
import type { PatientConditionsArgs, RecordConditionInput } from './condition.inputs';

const CONDITION_CODE_SYSTEMS = [SNOMED, ICD10_CM];

/** Conditions by id for this request (queries by id, `_entities`): null where unknown or hidden. */
export const conditionLoader = (ctx: ClinicalContext): DataLoader<string, Condition | null> => recordById(ctx, Condition, 'Condition');

/**
 * Each encounter's conditions for this request, newest first (for "an encounter with its linked
 * conditions"): those of patients the caller may not see are left out.
 */
export const conditionsByEncounter = (ctx: ClinicalContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<Condition> =>
  recordsByEncounter(ctx, Condition, 'Condition', 'recordedAt', first, fields);

/** The request's ConditionService. */
export const conditionService = (ctx: ClinicalContext): ConditionService => perRequest(ctx, ConditionService, () => new ConditionService(ctx));

/** A patient's problems and diagnoses. */
export class ConditionService {
  constructor(private readonly ctx: ClinicalContext) {}

  /** A patient's conditions, newest recorded first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientConditionsArgs, selection: ListSelection): Promise<Connection<Condition> | null> {
    return listChartRecords(this.ctx, {
      entity: Condition,
      recordType: 'Condition',
      patientId,
      args,
      dateField: 'recordedAt',
      codeField: 'codeValue',
      where: {
        ...(args.clinicalStatus && { clinicalStatus: args.clinicalStatus }),
        ...(args.category && { category: args.category }),
      },
      selection,
    });
  }

  /** The problems a patient has now (active, recurrence, relapse), newest recorded first. */
  activeForPatient(patientId: string, args: ChartListArgs, selection: ListSelection): Promise<Connection<Condition> | null> {
    return listChartRecords(this.ctx, {
      entity: Condition,
      recordType: 'Condition',
      patientId,
      args,
      dateField: 'recordedAt',
      codeField: 'codeValue',
      where: { clinicalStatus: { $in: [...ACTIVE_CONDITION_STATUSES] } },
      selection,
    });
  }

  /** A clinician records a condition at their own organization, for a patient whose chart they may see. */
  async record(input: RecordConditionInput): Promise<Condition> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'record conditions');
    const code = codingFrom(input.code, CONDITION_CODE_SYSTEMS, 'code');
    const { onsetAt = null, abatementAt = null, clinicalStatus = null, verificationStatus = null } = input;
    // FHIR con-3 / con-5: a clinical status unless the entry is in error, and none when it is
    if (verificationStatus === ConditionVerificationStatus.ENTERED_IN_ERROR) {
      if (clinicalStatus) throw badInput('clinicalStatus', 'clinicalStatus must be left out when verificationStatus is ENTERED_IN_ERROR');
    } else if (!clinicalStatus) {
      throw badInput('clinicalStatus', 'clinicalStatus is required');
    }
    notInFuture(onsetAt, 'onsetAt');
    notInFuture(abatementAt, 'abatementAt');
    if (onsetAt && abatementAt && abatementAt < onsetAt) throw badInput('abatementAt', 'abatementAt must not be before onsetAt');
    // FHIR con-4: an abated condition is no longer active
    if (abatementAt && clinicalStatus && ACTIVE_CONDITION_STATUSES.includes(clinicalStatus)) {
      throw badInput('clinicalStatus', 'a condition with an abatement must be INACTIVE, REMISSION or RESOLVED');
    }
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'Condition', 'patientId', () => true);
    const patientId = input.patientId.toLowerCase();
    const encounterId = await encounterOfPatient(this.ctx, input.encounterId, patientId);
    const condition = this.ctx.em.create(Condition, {
      patientId,
      organizationId: clinician.organizationId,
      encounterId,
      code,
      codeValue: code.code,
      clinicalStatus,
      verificationStatus,
      category: input.category ?? ConditionCategory.PROBLEM_LIST_ITEM,
      onsetAt,
      abatementAt,
      recordedAt: new Date(),
      asserterPractitionerId: null,
    });
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'Condition', { operation: 'create' });
    return condition;
  }
}
