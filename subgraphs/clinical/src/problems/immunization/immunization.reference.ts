import type { ClinicalContext } from '../../context';
import { immunizationLoader } from './immunization.service';

/** `_entities` resolution for Immunization (access-checked like `immunization(id)`). */
export const immunizationReference = {
  Immunization: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => immunizationLoader(ctx).load(ref.id),
  },
};
