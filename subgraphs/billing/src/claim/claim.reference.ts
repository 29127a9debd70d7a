import type { BillingContext } from '../context';

/** `_entities` resolution for Claim: messaging (comment anchors) holds only its id. */
export const claimReference = {
  Claim: {
    __resolveReference: (ref: { id: string }, ctx: BillingContext) => ctx.loaders.claim.load(ref.id),
  },
};
