import type { RequestContext } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import { Observation } from './observation.entity';

/** Observations by id for this request; hidden or unknown → null. */
export const observationById = (ctx: RequestContext): DataLoader<string, Observation | null> => recordById(ctx, Observation, 'Observation');

/** The newest `first` Observations of each encounter ("an encounter with its linked results"). */
export const observationsByEncounter = (ctx: RequestContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<Observation> =>
  recordsByEncounter(ctx, Observation, 'Observation', 'effectiveAt', first, fields);
