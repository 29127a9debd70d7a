import type { ClinicalFeature } from '../../feature';
import { CarePlan } from './care-plan.entity';
import { carePlanMapper } from './care-plan.fhir';
import { carePlanReference } from './care-plan.reference';
import { CarePlanResolver, PatientCarePlansResolver } from './care-plan.resolver';

/** Care plans: activities, addressed conditions and goals. */
export const carePlanFeature: ClinicalFeature = {
  entities: [CarePlan],
  resolvers: [CarePlanResolver, PatientCarePlansResolver],
  referenceResolvers: carePlanReference,
  fhir: [carePlanMapper],
};
