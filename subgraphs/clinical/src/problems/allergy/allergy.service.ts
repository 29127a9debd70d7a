import { badInput, CLINICIAN_ROLES, perRequest, requireStaff, type Connection, type ListSelection } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { listChartRecords } from '../../chart/chart-list';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import type { ClinicalContext } from '../../context';
import { codingFrom, encounterOfPatient, notInFuture, RXNORM, SNOMED } from '../shared';
import { AllergyIntolerance, AllergyVerificationStatus } from './allergy.entity';
import type { PatientAllergiesArgs, RecordAllergyIntoleranceInput } from './allergy.inputs';

const SUBSTANCE_CODE_SYSTEMS = [SNOMED, RXNORM];
const MANIFESTATION_CODE_SYSTEMS = [SNOMED];

/** Allergies by id for this request (queries by id, `_entities`): null where unknown or hidden. */
export const allergyLoader = (ctx: ClinicalContext): DataLoader<string, AllergyIntolerance | null> => recordById(ctx, AllergyIntolerance, 'AllergyIntolerance');

/** Each encounter's allergies for this request, newest first; those of patients the caller may not see are left out. */
export const allergiesByEncounter = (ctx: ClinicalContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<AllergyIntolerance> =>
  recordsByEncounter(ctx, AllergyIntolerance, 'AllergyIntolerance', 'recordedAt', first, fields);

/** The request's AllergyService. */
export const allergyService = (ctx: ClinicalContext): AllergyService => perRequest(ctx, AllergyService, () => new AllergyService(ctx));

/** A patient's allergies and intolerances. */
export class AllergyService {
  constructor(private readonly ctx: ClinicalContext) {}

  /** A patient's allergies, newest recorded first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientAllergiesArgs, selection: ListSelection): Promise<Connection<AllergyIntolerance> | null> {
    return listChartRecords(this.ctx, {
      entity: AllergyIntolerance,
      recordType: 'AllergyIntolerance',
      patientId,
      args,
      dateField: 'recordedAt',
      codeField: 'codeValue',
      where: {
        ...(args.clinicalStatus && { clinicalStatus: args.clinicalStatus }),
        // `categories @> {x}`: what the per-category partial indexes are defined on
        ...(args.category && { categories: { $contains: [args.category] } }),
      },
      selection,
    });
  }

  /** A clinician records an allergy at their own organization, for a patient whose chart they may see. */
  async record(input: RecordAllergyIntoleranceInput): Promise<AllergyIntolerance> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'record allergies');
    const code = codingFrom(input.code, SUBSTANCE_CODE_SYSTEMS, 'code');
    const reactions = input.reactions.map((reaction, index) => ({
      manifestations: reaction.manifestations.map((coding, at) => codingFrom(coding, MANIFESTATION_CODE_SYSTEMS, `reactions[${index}].manifestations[${at}]`)),
      severity: reaction.severity ?? null,
    }));
    const { clinicalStatus = null, verificationStatus = null, onsetAt = null } = input;
    // FHIR ait-1 / ait-2: a clinical status unless the entry is in error, and none when it is
    if (verificationStatus === AllergyVerificationStatus.ENTERED_IN_ERROR) {
      if (clinicalStatus) throw badInput('clinicalStatus', 'clinicalStatus must be left out when verificationStatus is ENTERED_IN_ERROR');
    } else if (!clinicalStatus) {
      throw badInput('clinicalStatus', 'clinicalStatus is required');
    }
    notInFuture(onsetAt, 'onsetAt');
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'AllergyIntolerance', 'patientId', () => true);
    const patientId = input.patientId.toLowerCase();
    const encounterId = await encounterOfPatient(this.ctx, input.encounterId, patientId);
    const allergy = this.ctx.em.create(AllergyIntolerance, {
      patientId,
      organizationId: clinician.organizationId,
      encounterId,
      code,
      codeValue: code.code,
      clinicalStatus,
      verificationStatus,
      type: input.type ?? null,
      categories: [...new Set(input.categories)],
      criticality: input.criticality ?? null,
      reactions,
      onsetAt,
      recordedAt: new Date(),
    });
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'AllergyIntolerance', { operation: 'create' });
    return allergy;
  }
}
