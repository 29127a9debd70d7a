import { encounterRecordsResolver } from '../../chart/encounter-records';
import { reportsByEncounter } from './diagnostic-report.loaders';
import type { ClinicalFeature } from '../../feature';
import { DiagnosticReport } from './diagnostic-report.entity';
import { diagnosticReportMapper } from './diagnostic-report.fhir';
import { diagnosticReportReference } from './diagnostic-report.reference';
import { DiagnosticReportResolver, PatientDiagnosticReportsResolver } from './diagnostic-report.resolver';

export { DiagnosticReport, DiagnosticReportStatus } from './diagnostic-report.entity';
export { reportById, reportsByEncounter } from './diagnostic-report.loaders';

/** Diagnostic reports (lab panels, imaging reports) with their observations. Imported only. */
export const diagnosticReportFeature: ClinicalFeature = {
  entities: [DiagnosticReport],
  resolvers: [DiagnosticReportResolver, PatientDiagnosticReportsResolver, encounterRecordsResolver(DiagnosticReport, 'diagnosticReports', 'The diagnostic reports (lab panels, radiology) of this encounter, newest first', reportsByEncounter)],
  referenceResolvers: diagnosticReportReference,
  fhir: [diagnosticReportMapper],
};
