import { encounterRecordsResolver } from '../../chart/encounter-records';
import { conditionsByEncounter } from './condition.service';
import type { ClinicalFeature } from '../../feature';
import { Condition } from './condition.entity';
import { conditionMapper } from './condition.fhir';
import { conditionReference } from './condition.reference';
import { ConditionResolver, PatientConditionsResolver } from './condition.resolver';

export { conditionsByEncounter } from './condition.service';

/** Conditions: the problem list and encounter diagnoses. */
export const conditionFeature: ClinicalFeature = {
  entities: [Condition],
  resolvers: [ConditionResolver, PatientConditionsResolver, encounterRecordsResolver(Condition, 'conditions', 'The conditions diagnosed or noted in this encounter, newest recorded first', conditionsByEncounter)],
  referenceResolvers: conditionReference,
  fhir: [conditionMapper],
};
