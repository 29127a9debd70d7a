import { perRequest, type Connection, type ListSelection } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { listChartRecords } from '../../chart/chart-list';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import type { ClinicalContext } from '../../context';
import { Procedure } from './procedure.entity';
import type { PatientProceduresArgs } from './procedure.inputs';

/** Procedures by id for this request (queries by id, `_entities`): null where unknown or hidden. */
export const procedureLoader = (ctx: ClinicalContext): DataLoader<string, Procedure | null> => recordById(ctx, Procedure, 'Procedure');

/**
 * Each encounter's procedures for this request, most recent first (for "an encounter with its
 * linked procedures"): those of patients the caller may not see are left out.
 */
export const proceduresByEncounter = (ctx: ClinicalContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<Procedure> =>
  recordsByEncounter(ctx, Procedure, 'Procedure', 'performedStart', first, fields);

/** The request's ProcedureService. */
export const procedureService = (ctx: ClinicalContext): ProcedureService => perRequest(ctx, ProcedureService, () => new ProcedureService(ctx));

/** A patient's procedures (imported only). */
export class ProcedureService {
  constructor(private readonly ctx: ClinicalContext) {}

  /** A patient's procedures, most recent first; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientProceduresArgs, selection: ListSelection): Promise<Connection<Procedure> | null> {
    return listChartRecords(this.ctx, {
      entity: Procedure,
      recordType: 'Procedure',
      patientId,
      args,
      dateField: 'performedStart',
      codeField: 'codeValue',
      where: args.status ? { status: args.status } : {},
      selection,
    });
  }
}
