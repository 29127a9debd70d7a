import { Coding, ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { AdjudicationService } from '../adjudication/adjudication.service';
import { ExplanationOfBenefit } from '../adjudication/explanation-of-benefit.entity';
import type { BillingContext } from '../context';
import { Coverage } from '../coverage/coverage.entity';
import { Money, toMoney } from '../money/money';
import { Payer } from '../payer/payer.entity';
import { ClaimPayment } from '../payment/payment.resolver';
import { PaymentService } from '../payment/payment.service';
import { EncounterRef, OrganizationRef, PatientRef } from '../stubs';
import { ClaimTransition } from './claim-transition.entity';
import { Claim, ClaimItem, type StoredMoney } from './claim.entity';
import { PatientClaimsArgs } from './claim.inputs';

@ObjectType()
export class ClaimConnection extends ConnectionType(Claim) {}

const money = (stored: StoredMoney | null): Money | null => (stored ? toMoney(stored.minorUnits, stored.currency) : null);

/** An amount of the claim's currency; null where the claim has no total (imported without one) or the amount is not known yet. */
const claimMoney = (claim: Claim, minor: bigint | null | undefined): Money | null => (minor != null && claim.currency ? toMoney(minor, claim.currency) : null);

@Resolver(() => Claim)
export class ClaimResolver {
  @Query(() => Claim, { nullable: true, description: 'One claim by id' })
  claim(@Arg('id', () => ID) id: string, @Ctx() ctx: BillingContext): Promise<Claim | null> {
    return ctx.loaders.claim.load(id);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'The claim total (FHIR Claim.total)' })
  total(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.totalMinorUnits);
  }

  @FieldResolver(() => [ClaimItem])
  items(@Root() claim: Claim): ClaimItem[] {
    return claim.items.map((item) => ({
      sequence: item.sequence,
      productOrService: item.productOrService,
      quantity: item.quantity,
      unitPrice: money(item.unitPrice),
      net: money(item.net),
      encounter: item.encounterId ? { id: item.encounterId } : null,
    }));
  }

  // Fields below cross into other subgraphs: nullable, so the gateway can answer with partial
  // data while one is down.
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() claim: Claim): PatientRef {
    return { id: claim.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization that bills (FHIR Claim.provider)' })
  provider(@Root() claim: Claim): OrganizationRef {
    return { id: claim.providerOrganizationId };
  }

  @FieldResolver(() => EncounterRef, { nullable: true, description: 'The encounter billed, if any' })
  encounter(@Root() claim: Claim): EncounterRef | null {
    return claim.encounterId ? { id: claim.encounterId } : null;
  }

  @FieldResolver(() => Payer, { nullable: true, description: 'Who is billed: the payer of the coverage (null: self-pay, or not known yet)' })
  payer(@Root() claim: Claim, @Ctx() ctx: BillingContext): Promise<Payer | null> | null {
    return claim.payerId ? ctx.loaders.payer.load(claim.payerId) : null;
  }

  @FieldResolver(() => Coverage, { nullable: true, description: "The patient's coverage billed" })
  coverage(@Root() claim: Claim, @Ctx() ctx: BillingContext): Promise<Coverage | null> | null {
    return claim.coverageId ? ctx.loaders.coverage.load(claim.coverageId) : null;
  }

  @FieldResolver(() => Coding, { nullable: true, description: 'The first denial reason of the adjudication (a denied line\'s, else a reduced line\'s), e.g. CO-50' })
  denialReason(@Root() claim: Claim): Coding | null {
    return claim.denialReasonCode ? { system: null, code: claim.denialReasonCode, display: claim.denialReasonDisplay ?? null } : null;
  }

  @FieldResolver(() => Money, { nullable: true, description: 'What the payer allowed (null until adjudicated)' })
  allowed(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.allowedMinorUnits);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'What the payer pays, as adjudicated (null until adjudicated)' })
  payerAmount(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.payerAmountMinorUnits);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'What the patient owes, as adjudicated (null until adjudicated)' })
  patientResponsibility(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.patientResponsibilityMinorUnits);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'Payments received on the claim, from the payer and the patient' })
  paid(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.payerPaidMinorUnits + claim.patientPaidMinorUnits);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'What is still owed: payerOutstanding + patientOutstanding (0 once rejected or closed)' })
  outstanding(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.outstandingMinorUnits);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'What the payer still owes: the total less payments while submitted or accepted, its adjudicated amount less its payments after' })
  payerOutstanding(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.payerOutstandingMinorUnits);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'What the patient still owes: their adjudicated responsibility less their payments' })
  patientOutstanding(@Root() claim: Claim): Money | null {
    return claimMoney(claim, claim.patientOutstandingMinorUnits);
  }

  @FieldResolver(() => [ClaimTransition], { description: 'Its lifecycle, oldest first: who moved it, when, from what to what, why' })
  transitions(@Root() claim: Claim, @Ctx() ctx: BillingContext): Promise<ClaimTransition[]> {
    return ctx.loaders.claimTransitions.load(claim.id);
  }

  @FieldResolver(() => ExplanationOfBenefit, { nullable: true, description: "The payer's adjudication (null until adjudicated, or for a partner app without an ExplanationOfBenefit read scope)" })
  explanationOfBenefit(@Root() claim: Claim, @Ctx() ctx: BillingContext): Promise<ExplanationOfBenefit | null> {
    return AdjudicationService.of(ctx).byClaim.load(claim.id);
  }

  @FieldResolver(() => [ClaimPayment], { description: 'Payments applied to the claim, oldest first' })
  async payments(@Root() claim: Claim, @Ctx() ctx: BillingContext): Promise<ClaimPayment[]> {
    const applied = await PaymentService.of(ctx).appliedToClaim.load(claim.id);
    return applied.map(({ payment, amountMinorUnits }) => ({
      paymentId: payment.id,
      source: payment.source,
      payerId: payment.payerId ?? null,
      receivedAt: payment.receivedAt,
      amount: toMoney(amountMinorUnits, payment.currency),
      reference: payment.reference ?? null,
    }));
  }
}

@Resolver(() => PatientRef)
export class PatientClaimsResolver {
  @FieldResolver(() => ClaimConnection, { nullable: true, description: "The patient's claims, newest first" })
  claims(@Root() patient: PatientRef, @Args() args: PatientClaimsArgs, @Ctx() ctx: BillingContext, @Info() info: GraphQLResolveInfo) {
    return ctx.claims.listForPatient(patient.id, args, selectsTotalCount(info));
  }
}
