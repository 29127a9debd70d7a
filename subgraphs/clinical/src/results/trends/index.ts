import type { ClinicalFeature } from '../../feature';
import { PatientObservationSeriesResolver } from './observation-series.resolver';

/** Trends: one observation code over time, across organizations (reads the observation table). */
export const observationTrendsFeature: ClinicalFeature = {
  entities: [],
  resolvers: [PatientObservationSeriesResolver],
};
