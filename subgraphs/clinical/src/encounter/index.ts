import type { ClinicalFeature } from '../feature';
import { Encounter } from './encounter.entity';
import { encounterMapper } from './encounter.fhir';
import { encounterReference } from './encounter.reference';
import { EncounterResolver, PatientEncountersResolver } from './encounter.resolver';

/** Encounters: the spine of the chart that other records hang off. */
export const encounterFeature: ClinicalFeature = {
  entities: [Encounter],
  resolvers: [EncounterResolver, PatientEncountersResolver],
  referenceResolvers: encounterReference,
  fhir: [encounterMapper],
};
