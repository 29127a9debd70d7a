import type { BundleView } from '@caregraph/platform';
import type { ClinicalFeature } from '../feature';
import { CareGapRule } from './care-gap-rule.entity';
import { recomputeCareGaps } from './care-gap.recompute';
import { CareGapResolver, PatientCareGapsResolver } from './care-gap.resolver';

export { CARE_GAP_INPUT_TYPES, recomputeAfterWrite, recomputeAllCareGaps, recomputeCareGaps } from './care-gap.recompute';
export { CareGapRule } from './care-gap-rule.entity';
export { CARE_GAP_OPENED_TOPIC, type CareGapOpenedPayload } from './care-gap.events';
export { CareGap, CareGapStatus } from './care-gap.types';

/** The patients of a bundle (every clinical resource of a valid bundle points at one of them). */
const patientsOf = (bundle: BundleView): string[] =>
  [...bundle.byId.entries()].filter(([, resource]) => resource.resourceType === 'Patient').map(([id]) => id);

/**
 * Care gaps: preventive care due or overdue per patient, from rules kept as data. Gaps are
 * recomputed after each imported bundle (here), after each audited chart write (context.ts) and
 * when a patient's demographics change (patient-facts consumer).
 */
export const careGapFeature: ClinicalFeature = {
  entities: [CareGapRule],
  resolvers: [CareGapResolver, PatientCareGapsResolver],
  afterIngest: (em, bundle) => recomputeCareGaps(em, patientsOf(bundle)),
};
