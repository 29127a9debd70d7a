import { encounterRecordsResolver } from '../../chart/encounter-records';
import { proceduresByEncounter } from './procedure.service';
import type { ClinicalFeature } from '../../feature';
import { Procedure } from './procedure.entity';
import { procedureMapper } from './procedure.fhir';
import { procedureReference } from './procedure.reference';
import { PatientProceduresResolver, ProcedureResolver } from './procedure.resolver';

export { proceduresByEncounter } from './procedure.service';

/** Procedures (import-only). */
export const procedureFeature: ClinicalFeature = {
  entities: [Procedure],
  resolvers: [ProcedureResolver, PatientProceduresResolver, encounterRecordsResolver(Procedure, 'procedures', 'The procedures performed in this encounter, newest first', proceduresByEncounter)],
  referenceResolvers: procedureReference,
  fhir: [procedureMapper],
};
