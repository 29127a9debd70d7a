import { perRequest, type Connection, type RequestContext, type ListSelection } from '@caregraph/platform';
import { listChartRecords } from '../../chart/chart-list';
import { ImagingStudy } from './imaging-study.entity';
import type { PatientImagingStudiesArgs } from './imaging-study.inputs';

/** Imaging studies of a patient (imported only). */
export class ImagingStudyService {
  constructor(private readonly ctx: RequestContext) {}

  static of(ctx: RequestContext): ImagingStudyService {
    return perRequest(ctx, ImagingStudyService, () => new ImagingStudyService(ctx));
  }

  /**
   * A patient's studies, newest first, with the chart filters; null when the caller may not see
   * the patient's clinical record. The modality filter runs inside the patient's studies (found
   * through the (patient_id, started_at) index): a patient has a handful, never enough to need more.
   */
  listForPatient(patientId: string, args: PatientImagingStudiesArgs, selection: ListSelection): Promise<Connection<ImagingStudy> | null> {
    return listChartRecords(this.ctx, {
      entity: ImagingStudy,
      recordType: 'ImagingStudy',
      patientId,
      args,
      dateField: 'startedAt',
      where: args.modality ? { modalityCodes: { $contains: [args.modality] } } : {},
      selection,
    });
  }
}
