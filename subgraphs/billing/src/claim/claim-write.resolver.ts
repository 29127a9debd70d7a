import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { BillingContext } from '../context';
import { ClaimWriteService } from './claim-write.service';
import { Claim } from './claim.entity';
import { ClaimInput, SubmitClaimInput, TransitionClaimInput } from './claim-write.inputs';

@ObjectType({ description: 'What submitClaim did: submitted the claim now, or returned the one submitted earlier under the same key' })
export class ClaimSubmission {
  @Field(() => Claim) claim!: Claim;
  @Field({ description: 'true: this key was used before with the same claim; nothing new was written' }) replayed!: boolean;
}

const WRITERS = 'Billing staff of the provider organization, or its partner apps (system/Claim.c to create, system/Claim.u to change; .write covers both).';

@Resolver()
export class ClaimWriteResolver {
  @Mutation(() => Claim, { description: `Creates a DRAFT claim billed by the caller's organization. ${WRITERS}` })
  createClaim(@Arg('input', () => ClaimInput) input: ClaimInput, @Ctx() ctx: BillingContext): Promise<Claim> {
    return ClaimWriteService.of(ctx).create(input);
  }

  @Mutation(() => ClaimSubmission, {
    description: `Creates and submits a claim in one step (status SUBMITTED). Retry-safe: the same idempotencyKey with the same claim returns the first claim (replayed), with another claim CONFLICT on idempotencyKey. ${WRITERS}`,
  })
  submitClaim(@Arg('input', () => SubmitClaimInput) input: SubmitClaimInput, @Ctx() ctx: BillingContext): Promise<ClaimSubmission> {
    return ClaimWriteService.of(ctx).submit(input);
  }

  @Mutation(() => Claim, {
    description: `Moves a claim: DRAFT → SUBMITTED, SUBMITTED → ACCEPTED or REJECTED (reason required), REJECTED → CLOSED, ADJUDICATED → CLOSED (writes off what is still owed). Anything else: BAD_USER_INPUT on \`to\`, listing the allowed targets. ${WRITERS}`,
  })
  transitionClaim(@Arg('input', () => TransitionClaimInput) input: TransitionClaimInput, @Ctx() ctx: BillingContext): Promise<Claim> {
    return ClaimWriteService.of(ctx).transition(input);
  }
}
