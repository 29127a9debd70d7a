import type { RequestContext } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import { ImagingStudy } from './imaging-study.entity';

/** Imaging studies by id for this request; hidden or unknown → null. */
export const imagingStudyById = (ctx: RequestContext): DataLoader<string, ImagingStudy | null> => recordById(ctx, ImagingStudy, 'ImagingStudy');

/** The newest `first` imaging studies of each encounter. */
export const imagingStudiesByEncounter = (ctx: RequestContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<ImagingStudy> =>
  recordsByEncounter(ctx, ImagingStudy, 'ImagingStudy', 'startedAt', first, fields);
