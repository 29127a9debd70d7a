import type { RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { Claim } from './claim/claim.entity';
import { ClaimService } from './claim/claim.service';

/** The billing subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface BillingContext extends RequestContext {
  claims: ClaimService;
  loaders: {
    /** Batches claim lookups (`claim(id)`, `_entities`) into one query per tick; hidden ones are null. */
    claim: DataLoader<string, Claim | null>;
  };
}


export function createBillingContext(base: RequestContext): BillingContext {
  const claims = new ClaimService(base);
  return {
    ...base,
    claims,
    loaders: {
      claim: new DataLoader(async (ids) => claims.visibleByIds(ids)),
    },
  };
}
