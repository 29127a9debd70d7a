import type { PatientsContext } from '../context';

/** `_entities` resolution for Organization: other subgraphs hold only its id. */
export const organizationReference = {
  Organization: {
    __resolveReference: (ref: { id: string }, ctx: PatientsContext) => ctx.loaders.organization.load(ref.id),
  },
};
