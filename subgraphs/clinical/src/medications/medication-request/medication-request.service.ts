import { badInput, CLINICIAN_ROLES, notFound, perRequest, requireStaff, type Coding, type CodingInput, type Connection, type RequestContext, type ListSelection } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { listChartRecords, type ChartListArgs } from '../../chart/chart-list';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import type { ClinicalContext } from '../../context';
import { RXNORM } from './medication-request.fhir';
import { MedicationRequest, MedicationRequestIntent, MedicationRequestStatus } from './medication-request.entity';
import type { PatientMedicationRequestsArgs, PrescribeMedicationInput } from './medication-request.inputs';

/** The newest `first` medication requests of each encounter. */
export const medicationRequestsByEncounter = (ctx: RequestContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<MedicationRequest> =>
  recordsByEncounter(ctx, MedicationRequest, 'MedicationRequest', 'authoredOn', first, fields);

/** Code systems a prescription's reasons may use. */
const REASON_SYSTEMS = ['http://snomed.info/sct', 'http://hl7.org/fhir/sid/icd-10-cm'];

const toCoding = (coding: CodingInput): Coding => ({ system: coding.system ?? null, code: coding.code.trim(), display: coding.display?.trim() || null });

/** Medication requests of patients' charts: imported ones and prescriptions written in caregraph. */
export class MedicationRequestService {
  /** The request's service (one per request, created on first use). */
  static of(ctx: RequestContext): MedicationRequestService {
    return perRequest(ctx, MedicationRequestService, () => new MedicationRequestService(ctx));
  }

  /** Batches `medicationRequest(id)` and `_entities` lookups; hidden and unknown ones are null. */
  get loader(): DataLoader<string, MedicationRequest | null> {
    return recordById(this.ctx, MedicationRequest, 'MedicationRequest');
  }

  private constructor(private readonly ctx: RequestContext) {}

  /** A patient's medication requests, newest first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientMedicationRequestsArgs, selection: ListSelection): Promise<Connection<MedicationRequest> | null> {
    return listChartRecords(this.ctx, {
      entity: MedicationRequest,
      recordType: 'MedicationRequest',
      patientId,
      args,
      dateField: 'authoredOn',
      codeField: 'codeValue',
      where: args.status ? { status: args.status } : {},
      selection,
    });
  }

  /** What the patient is currently prescribed (status active), newest first. */
  listActive(patientId: string, args: ChartListArgs, selection: ListSelection): Promise<Connection<MedicationRequest> | null> {
    return listChartRecords(this.ctx, {
      entity: MedicationRequest,
      recordType: 'MedicationRequest',
      patientId,
      args,
      dateField: 'authoredOn',
      codeField: 'codeValue',
      where: { status: MedicationRequestStatus.ACTIVE },
      selection,
    });
  }

  /**
   * A clinician prescribes at their own organization for a patient whose chart they may see. The
   * requester practitioner stays unknown until accounts link to practitioners: the audit row
   * names the user who prescribed.
   */
  async prescribe(input: PrescribeMedicationInput): Promise<MedicationRequest> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'prescribe medications');
    const patientId = input.patientId.toLowerCase();
    if (input.medication.system !== RXNORM) throw badInput('medication.system', `medication must be an RxNorm coding (system ${RXNORM})`);
    if (!input.medication.code.trim()) throw badInput('medication.code', 'medication.code must not be blank');
    const dosageText = input.dosageText.trim();
    if (!dosageText) throw badInput('dosageText', 'dosageText must not be blank');
    input.reasons.forEach((reason, index) => {
      if (!reason.system || !REASON_SYSTEMS.includes(reason.system)) throw badInput(`reasons[${index}].system`, 'reasons must be SNOMED CT or ICD-10-CM codings');
    });
    await this.ctx.access.requireWrite(patientId, 'clinical', 'MedicationRequest', 'patientId', () => true);
    let encounterId: string | null = null;
    if (input.encounterId) {
      const encounter = await (this.ctx as ClinicalContext).loaders.encounter.load(input.encounterId);
      // another patient's encounter answers like a missing one
      if (!encounter || encounter.patientId !== patientId) throw notFound('Encounter', 'encounterId');
      encounterId = encounter.id;
    }
    const request = this.ctx.em.create(MedicationRequest, {
      patientId,
      organizationId: clinician.organizationId,
      encounterId,
      status: input.status ?? MedicationRequestStatus.ACTIVE,
      intent: input.intent ?? MedicationRequestIntent.ORDER,
      code: toCoding(input.medication),
      codeValue: input.medication.code.trim(),
      authoredOn: new Date(),
      requesterPractitionerId: null,
      dosageText,
      dosage: [{ text: dosageText }],
      reasons: input.reasons.map(toCoding),
      reasonRecordIds: [],
    });
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'MedicationRequest', { operation: 'create' });
    return request;
  }
}
