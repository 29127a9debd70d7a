import type { ClinicalContext } from '../../context';
import { conditionLoader } from './condition.service';

/** `_entities` resolution for Condition (access-checked like `condition(id)`). */
export const conditionReference = {
  Condition: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => conditionLoader(ctx).load(ref.id),
  },
};
