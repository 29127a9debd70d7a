import type { PatientsContext } from '../context';

/** `_entities` resolution for Practitioner: the other subgraphs hold only its id. */
export const practitionerReference = {
  Practitioner: {
    __resolveReference: (ref: { id: string }, ctx: PatientsContext) => ctx.loaders.practitioner.load(ref.id),
  },
};
