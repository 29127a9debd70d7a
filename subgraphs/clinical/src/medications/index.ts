import type { ClinicalFeature } from '../feature';
import { carePlanFeature } from './care-plan';
import { clinicalNoteFeature } from './clinical-note';
import { goalFeature } from './goal';
import { medicationRequestFeature } from './medication-request';

/** Medication requests, care plans and goals, and clinical notes. */
export const medicationFeatures: ClinicalFeature[] = [medicationRequestFeature, carePlanFeature, goalFeature, clinicalNoteFeature];
