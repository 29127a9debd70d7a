import type { RequestContext } from '@caregraph/platform';
import { observationById } from './observation.loaders';

/** `_entities` resolution for Observation (access-checked, batched per request). */
export const observationReference = {
  Observation: {
    __resolveReference: (ref: { id: string }, ctx: RequestContext) => observationById(ctx).load(ref.id),
  },
};
