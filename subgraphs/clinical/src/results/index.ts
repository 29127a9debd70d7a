import type { ClinicalFeature } from '../feature';
import { diagnosticReportFeature } from './diagnostic-report';
import { imagingStudyFeature } from './imaging-study';
import { observationFeature } from './observation';
import { observationTrendsFeature } from './trends';

export { observationsByEncounter } from './observation';
export { reportsByEncounter } from './diagnostic-report';

/** Observations (vitals, labs, surveys, device readings), diagnostic reports, imaging studies and trends. */
export const resultFeatures: ClinicalFeature[] = [observationFeature, diagnosticReportFeature, imagingStudyFeature, observationTrendsFeature];
