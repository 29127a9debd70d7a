import type { ClinicalFeature } from '../feature';

/** Observations (vitals, labs, surveys, device readings), diagnostic reports and imaging studies. */
export const resultFeatures: ClinicalFeature[] = [];
