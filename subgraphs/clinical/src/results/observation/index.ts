import { encounterRecordsResolver } from '../../chart/encounter-records';
import { observationsByEncounter } from './observation.loaders';
import type { ClinicalFeature } from '../../feature';
import { Observation } from './observation.entity';
import { observationMapper } from './observation.fhir';
import { observationReference } from './observation.reference';
import { ObservationResolver, PatientObservationsResolver } from './observation.resolver';

export { Observation, ObservationCategory, ObservationStatus } from './observation.entity';
export { observationById, observationsByEncounter } from './observation.loaders';

/** Observations: vital signs, lab results, survey scores, device readings; clinicians record vitals. */
export const observationFeature: ClinicalFeature = {
  entities: [Observation],
  resolvers: [ObservationResolver, PatientObservationsResolver, encounterRecordsResolver(Observation, 'observations', 'The observations (vitals, lab results, surveys) of this encounter, newest first', observationsByEncounter)],
  referenceResolvers: observationReference,
  fhir: [observationMapper],
};
