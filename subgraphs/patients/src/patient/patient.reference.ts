import type { PatientsContext } from '../context';

/** `_entities` resolution for Patient: the other subgraphs hold only its id. */
export const patientReference = {
  Patient: {
    __resolveReference: (ref: { id: string }, ctx: PatientsContext) => ctx.loaders.patient.load(ref.id),
  },
};
