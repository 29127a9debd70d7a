import { perRequest, type RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { visibleRecordsByIds } from '../../chart/chart-list';
import { ImagingStudy } from './imaging-study.entity';

/** Studies by id for this request (`imagingStudy(id)`, `_entities`): one query per tick; hidden or unknown → null. */
export function imagingStudyById(ctx: RequestContext): DataLoader<string, ImagingStudy | null> {
  return perRequest(ctx, imagingStudyById, () => new DataLoader<string, ImagingStudy | null>((ids) => visibleRecordsByIds(ctx, ImagingStudy, 'ImagingStudy', ids)));
}
