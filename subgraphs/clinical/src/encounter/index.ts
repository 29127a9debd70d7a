import type { ClinicalFeature } from '../feature';
import { Encounter } from './encounter.entity';
import { encounterMapper } from './encounter.fhir';
import { encounterReference } from './encounter.reference';
import { EncounterResolver, PatientEncountersResolver } from './encounter.resolver';
import { visitSummaryMapper } from './visit-summary.fhir';

/** Encounters: the spine of the chart that other records hang off. */
export const encounterFeature: ClinicalFeature = {
  entities: [Encounter],
  resolvers: [EncounterResolver, PatientEncountersResolver],
  referenceResolvers: encounterReference,
  // the visit summary goes as a document of its own (R4 Encounter has no element for it)
  fhir: [encounterMapper, visitSummaryMapper],
};
