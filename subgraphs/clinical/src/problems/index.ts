import type { ClinicalFeature } from '../feature';

/** Conditions (problems), allergies, immunizations and procedures. */
export const problemFeatures: ClinicalFeature[] = [];
