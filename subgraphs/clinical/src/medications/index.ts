import type { ClinicalFeature } from '../feature';

/** Medication requests, care plans and goals, and clinical notes. */
export const medicationFeatures: ClinicalFeature[] = [];
