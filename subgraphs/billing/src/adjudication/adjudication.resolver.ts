import { Coding, ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, Info, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Claim } from '../claim/claim.entity';
import type { BillingContext } from '../context';
import { Money, toMoney } from '../money/money';
import { Payer } from '../payer/payer.entity';
import { OrganizationRef, PatientRef } from '../stubs';
import { AdjudicateClaimInput, PatientExplanationsOfBenefitArgs } from './adjudication.inputs';
import { AdjudicationService } from './adjudication.service';
import { ExplanationOfBenefit } from './explanation-of-benefit.entity';

@ObjectType()
export class ExplanationOfBenefitConnection extends ConnectionType(ExplanationOfBenefit) {}

@ObjectType({ description: 'What the payer decided for one claim line' })
export class AdjudicationLine {
  @Field(() => Int, { description: 'The claim line (its sequence)' }) sequence!: number;
  @Field(() => Money, { description: "The line's net as billed" }) submitted!: Money;
  @Field(() => Money) allowed!: Money;
  @Field(() => Money, { description: 'What the payer pays' }) payerAmount!: Money;
  @Field(() => Money, { description: 'Deductible, coinsurance and copay' }) patientResponsibility!: Money;
  @Field(() => Coding, { nullable: true, description: 'Why the line was denied or reduced (e.g. CARC CO-50)' }) denialReason?: Coding | null;
}

@Resolver(() => ExplanationOfBenefit)
export class ExplanationOfBenefitResolver {
  @Mutation(() => ExplanationOfBenefit, {
    description: 'Records the payer\'s adjudication of a SUBMITTED or ACCEPTED claim: every line that bills an amount once, with allowed ≤ net and payerAmount + patientResponsibility = allowed; '
      + 'moves the claim to ADJUDICATED with its outcome (DENIED: every line denied; PARTIALLY_PAID: some; PAID: none) and totals. Billing staff, or partner apps with system/Claim.u.',
  })
  adjudicateClaim(@Arg('input', () => AdjudicateClaimInput) input: AdjudicateClaimInput, @Ctx() ctx: BillingContext): Promise<ExplanationOfBenefit> {
    return AdjudicationService.of(ctx).adjudicate(input);
  }

  @FieldResolver(() => Claim, { nullable: true })
  claim(@Root() explanation: ExplanationOfBenefit, @Ctx() ctx: BillingContext): Promise<Claim | null> {
    return ctx.loaders.claim.load(explanation.claimId);
  }

  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() explanation: ExplanationOfBenefit): PatientRef {
    return { id: explanation.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization that billed the claim' })
  provider(@Root() explanation: ExplanationOfBenefit): OrganizationRef {
    return { id: explanation.providerOrganizationId };
  }

  @FieldResolver(() => Payer, { nullable: true, description: 'The payer that adjudicated (null: self-pay)' })
  payer(@Root() explanation: ExplanationOfBenefit, @Ctx() ctx: BillingContext): Promise<Payer | null> | null {
    return explanation.payerId ? ctx.loaders.payer.load(explanation.payerId) : null;
  }

  @FieldResolver(() => Money, { description: 'The claim total as billed' })
  submitted(@Root() explanation: ExplanationOfBenefit): Money {
    return toMoney(explanation.submittedMinorUnits, explanation.currency);
  }

  @FieldResolver(() => Money)
  allowed(@Root() explanation: ExplanationOfBenefit): Money {
    return toMoney(explanation.allowedMinorUnits, explanation.currency);
  }

  @FieldResolver(() => Money, { description: 'What the payer pays' })
  payerAmount(@Root() explanation: ExplanationOfBenefit): Money {
    return toMoney(explanation.payerAmountMinorUnits, explanation.currency);
  }

  @FieldResolver(() => Money, { description: 'What the patient owes' })
  patientResponsibility(@Root() explanation: ExplanationOfBenefit): Money {
    return toMoney(explanation.patientResponsibilityMinorUnits, explanation.currency);
  }

  @FieldResolver(() => [AdjudicationLine])
  lines(@Root() explanation: ExplanationOfBenefit): AdjudicationLine[] {
    const money = (minor: number) => toMoney(minor, explanation.currency);
    return explanation.lines.map((line) => ({
      sequence: line.sequence,
      submitted: money(line.submittedMinorUnits),
      allowed: money(line.allowedMinorUnits),
      payerAmount: money(line.payerAmountMinorUnits),
      patientResponsibility: money(line.patientResponsibilityMinorUnits),
      denialReason: line.denialReason,
    }));
  }
}

@Resolver(() => PatientRef)
export class PatientExplanationsOfBenefitResolver {
  @FieldResolver(() => ExplanationOfBenefitConnection, { nullable: true, description: "The patient's explanations of benefit, newest first" })
  explanationsOfBenefit(@Root() patient: PatientRef, @Args() args: PatientExplanationsOfBenefitArgs, @Ctx() ctx: BillingContext, @Info() info: GraphQLResolveInfo) {
    return AdjudicationService.of(ctx).listForPatient(patient.id, args, selectsTotalCount(info));
  }
}
