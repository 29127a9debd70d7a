import type { ClinicalContext } from '../../context';
import { CarePlanService } from './care-plan.service';

/** `_entities` resolution for CarePlan (e.g. a chart comment pinned to one). */
export const carePlanReference = {
  CarePlan: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => CarePlanService.of(ctx).loader.load(ref.id),
  },
};
