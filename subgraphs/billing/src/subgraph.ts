import type { SubgraphDefinition } from '@caregraph/platform';
import { Claim } from './claim/claim.entity';
import { claimReference } from './claim/claim.reference';
import { ClaimResolver, PatientClaimsResolver } from './claim/claim.resolver';
import { createBillingContext, type BillingContext } from './context';
import { migrations } from './migrations';
import { patientReference } from './stubs';

/** The billing subgraph: claims (later their lifecycle, payments, coverage). */
export const billingSubgraph: SubgraphDefinition<BillingContext> = {
  name: 'billing',
  database: { schema: 'billing', entities: [Claim], migrations },
  resolvers: [ClaimResolver, PatientClaimsResolver],
  referenceResolvers: { ...claimReference, ...patientReference },
  createContext: createBillingContext,
};
