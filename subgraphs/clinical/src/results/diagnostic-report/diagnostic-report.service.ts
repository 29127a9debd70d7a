import { perRequest, type Connection, type RequestContext, type ListSelection } from '@caregraph/platform';
import { listChartRecords } from '../../chart/chart-list';
import type { Observation } from '../observation/observation.entity';
import { observationById } from '../observation/observation.loaders';
import { DiagnosticReport } from './diagnostic-report.entity';
import type { PatientDiagnosticReportsArgs } from './diagnostic-report.inputs';

/** Diagnostic reports of a patient (imported only). */
export class DiagnosticReportService {
  constructor(private readonly ctx: RequestContext) {}

  static of(ctx: RequestContext): DiagnosticReportService {
    return perRequest(ctx, DiagnosticReportService, () => new DiagnosticReportService(ctx));
  }

  /** A patient's reports, newest first, with the chart filters; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientDiagnosticReportsArgs, selection: ListSelection): Promise<Connection<DiagnosticReport> | null> {
    return listChartRecords(this.ctx, {
      entity: DiagnosticReport,
      recordType: 'DiagnosticReport',
      patientId,
      args,
      dateField: 'effectiveAt',
      codeField: 'codeValue',
      where: { ...(args.status && { status: args.status }), ...(args.category && { category: args.category }) },
      selection,
    });
  }

  /**
   * The Observations a report lists, in report order: batched with every other report of the
   * request and access-checked like any observation read; ones not in caregraph are left out.
   */
  async results(report: DiagnosticReport): Promise<Observation[]> {
    const loaded = await observationById(this.ctx).loadMany(report.resultIds);
    const failure = loaded.find((item): item is Error => item instanceof Error);
    if (failure) throw failure;
    return loaded.filter((observation): observation is Observation => observation !== null);
  }
}
