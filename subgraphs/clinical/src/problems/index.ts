import type { ClinicalFeature } from '../feature';
import { allergyFeature } from './allergy';
import { conditionFeature } from './condition';
import { immunizationFeature } from './immunization';
import { procedureFeature } from './procedure';

// per-request loaders of an encounter's records, for Encounter fields the lead adds
export { allergiesByEncounter } from './allergy';
export { conditionsByEncounter } from './condition';
export { immunizationsByEncounter } from './immunization';
export { proceduresByEncounter } from './procedure';

/** Conditions (problems), allergies, immunizations and procedures. */
export const problemFeatures: ClinicalFeature[] = [conditionFeature, allergyFeature, immunizationFeature, procedureFeature];
