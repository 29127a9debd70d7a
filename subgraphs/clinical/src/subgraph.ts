import type { SubgraphDefinition } from '@caregraph/platform';
import { createClinicalContext, type ClinicalContext } from './context';
import { Encounter } from './encounter/encounter.entity';
import { encounterReference } from './encounter/encounter.reference';
import { EncounterResolver, PatientEncountersResolver } from './encounter/encounter.resolver';
import { migrations } from './migrations';
import { patientReference } from './stubs';

/** The clinical subgraph: encounters (later conditions, observations, medications, ...). */
export const clinicalSubgraph: SubgraphDefinition<ClinicalContext> = {
  name: 'clinical',
  database: { schema: 'clinical', entities: [Encounter], migrations },
  resolvers: [EncounterResolver, PatientEncountersResolver],
  referenceResolvers: { ...encounterReference, ...patientReference },
  createContext: createClinicalContext,
};
