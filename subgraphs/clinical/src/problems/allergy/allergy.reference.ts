import type { ClinicalContext } from '../../context';
import { allergyLoader } from './allergy.service';

/** `_entities` resolution for AllergyIntolerance (access-checked like `allergyIntolerance(id)`). */
export const allergyReference = {
  AllergyIntolerance: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => allergyLoader(ctx).load(ref.id),
  },
};
