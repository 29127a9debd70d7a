import type { ClinicalContext } from '../../context';
import { GoalService } from './goal.service';

/** `_entities` resolution for Goal. */
export const goalReference = {
  Goal: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => GoalService.of(ctx).loader.load(ref.id),
  },
};
