import type { ClinicalFeature } from '../../feature';
import { Goal } from './goal.entity';
import { goalMapper } from './goal.fhir';
import { goalReference } from './goal.reference';
import { GoalResolver, PatientGoalsResolver } from './goal.resolver';

/** Goals of the patient's care (import-only). */
export const goalFeature: ClinicalFeature = {
  entities: [Goal],
  resolvers: [GoalResolver, PatientGoalsResolver],
  referenceResolvers: goalReference,
  fhir: [goalMapper],
};
