import type { RequestContext } from '@caregraph/platform';
import type DataLoader from 'dataloader';
import { recordById, recordsByEncounter, type RecordsByEncounterLoader } from '../../chart/record-loaders';
import { DiagnosticReport } from './diagnostic-report.entity';

/** DiagnosticReports by id for this request; hidden or unknown → null. */
export const reportById = (ctx: RequestContext): DataLoader<string, DiagnosticReport | null> => recordById(ctx, DiagnosticReport, 'DiagnosticReport');

/** The newest `first` DiagnosticReports of each encounter ("an encounter with its linked results"). */
export const reportsByEncounter = (ctx: RequestContext, first?: number, fields?: Iterable<string>): RecordsByEncounterLoader<DiagnosticReport> =>
  recordsByEncounter(ctx, DiagnosticReport, 'DiagnosticReport', 'effectiveAt', first, fields);
