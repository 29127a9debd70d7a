import type { ClinicalContext } from '../../context';
import { procedureLoader } from './procedure.service';

/** `_entities` resolution for Procedure (access-checked like `procedure(id)`). */
export const procedureReference = {
  Procedure: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => procedureLoader(ctx).load(ref.id),
  },
};
