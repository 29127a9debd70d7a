import { encounterRecordsResolver } from '../../chart/encounter-records';
import { allergiesByEncounter } from './allergy.service';
import type { ClinicalFeature } from '../../feature';
import { AllergyIntolerance } from './allergy.entity';
import { allergyMapper } from './allergy.fhir';
import { allergyReference } from './allergy.reference';
import { AllergyIntoleranceResolver, PatientAllergiesResolver } from './allergy.resolver';

export { allergiesByEncounter } from './allergy.service';

/** Allergies and intolerances. */
export const allergyFeature: ClinicalFeature = {
  entities: [AllergyIntolerance],
  resolvers: [AllergyIntoleranceResolver, PatientAllergiesResolver, encounterRecordsResolver(AllergyIntolerance, 'allergies', 'The allergies recorded in this encounter', allergiesByEncounter)],
  referenceResolvers: allergyReference,
  fhir: [allergyMapper],
};
