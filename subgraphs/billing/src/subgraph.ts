import { mountEverythingPart, type SubgraphDefinition } from '@caregraph/platform';
import { ExplanationOfBenefit } from './adjudication/explanation-of-benefit.entity';
import { ClaimTransition } from './claim/claim-transition.entity';
import { Claim } from './claim/claim.entity';
import { Coverage } from './coverage/coverage.entity';
import { Payer } from './payer/payer.entity';
import { Payment, PaymentAllocation } from './payment/payment.entity';
import { claimReference } from './claim/claim.reference';
import { ClaimResolver, PatientClaimsResolver } from './claim/claim.resolver';
import { ClaimWriteResolver } from './claim/claim-write.resolver';
import { ExplanationOfBenefitResolver, PatientExplanationsOfBenefitResolver } from './adjudication/adjudication.resolver';
import { ClaimPaymentResolver, PaymentAllocationResolver, PaymentResolver } from './payment/payment.resolver';
import { CoverageResolver, PatientCoveragesResolver } from './coverage/coverage.resolver';
import { PatientBalanceResolver } from './balance/balance.resolver';
import { ClaimWorklistResolver } from './worklist/worklist.resolver';
import { BillingReportResolver } from './reports/report.resolver';
import { mountClaimsExport } from './export/claims-export.route';
import { billingEverything } from './fhir/billing-export';
import { createBillingContext, type BillingContext } from './context';
import { migrations } from './migrations';
import { patientReference } from './stubs';

/** The billing subgraph: claims (later their lifecycle, payments, coverage). */
export const billingSubgraph: SubgraphDefinition<BillingContext> = {
  name: 'billing',
  database: { schema: 'billing', entities: [Payer, Coverage, Claim, ClaimTransition, ExplanationOfBenefit, Payment, PaymentAllocation], migrations },
  resolvers: [ClaimResolver, PatientClaimsResolver, ClaimWriteResolver, ExplanationOfBenefitResolver, PatientExplanationsOfBenefitResolver,
    PaymentResolver, PaymentAllocationResolver, ClaimPaymentResolver, CoverageResolver, PatientCoveragesResolver, PatientBalanceResolver,
    ClaimWorklistResolver, BillingReportResolver],
  referenceResolvers: { ...claimReference, ...patientReference },
  createContext: createBillingContext,
  routes: (app, services) => {
    // GET /billing/claims.csv: the worklist as CSV (the gateway forwards it)
    mountClaimsExport(app, services);
    // the billing part of GET /fhir/Patient/{id}/$everything (the gateway merges the parts)
    mountEverythingPart(app, services, billingEverything);
  },
};
