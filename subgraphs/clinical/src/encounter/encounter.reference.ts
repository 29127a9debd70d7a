import type { ClinicalContext } from '../context';

/** `_entities` resolution for Encounter: billing and messaging hold only its id. */
export const encounterReference = {
  Encounter: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => ctx.loaders.encounter.load(ref.id),
  },
};
