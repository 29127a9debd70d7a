import { findByIds, orderByIds, type RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import type { ClaimTransition } from './claim/claim-transition.entity';
import { Claim } from './claim/claim.entity';
import { ClaimService } from './claim/claim.service';
import { Coverage } from './coverage/coverage.entity';
import { Payer } from './payer/payer.entity';

/** The billing subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface BillingContext extends RequestContext {
  claims: ClaimService;
  loaders: {
    /** Batches claim lookups (`claim(id)`, `_entities`) into one query per tick; hidden ones are null. */
    claim: DataLoader<string, Claim | null>;
    /** Payers by id (Claim.payer and the like): reached through a record the caller may see. */
    payer: DataLoader<string, Payer | null>;
    /** Coverages by id (Claim.coverage): reached through a claim the caller may see. */
    coverage: DataLoader<string, Coverage | null>;
    /** Transitions by claim id, oldest first (Claim.transitions). */
    claimTransitions: DataLoader<string, ClaimTransition[]>;
  };
}


export function createBillingContext(base: RequestContext): BillingContext {
  const claims = new ClaimService(base);
  return {
    ...base,
    claims,
    loaders: {
      claim: new DataLoader(async (ids) => claims.visibleByIds(ids)),
      payer: new DataLoader(async (ids) => orderByIds(ids, await findByIds(base.em, Payer, ids))),
      coverage: new DataLoader(async (ids) => orderByIds(ids, await findByIds(base.em, Coverage, ids))),
      claimTransitions: new DataLoader((ids) => claims.transitionsOf(ids)),
    },
  };
}
