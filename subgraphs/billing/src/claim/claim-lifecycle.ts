import { badInput } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BillingActor } from './billing-access';
import { ClaimTransition } from './claim-transition.entity';
import { ClaimStatus, type Claim } from './claim.entity';

/** How a claim gets to a status: created in it, moved by transitionClaim, or by adjudicateClaim. */
export type ClaimTransitionVia = 'create' | 'transition' | 'adjudication';

export interface ClaimTransitionRule {
  /** null: the claim is being created. */
  from: ClaimStatus | null;
  to: ClaimStatus;
  via: ClaimTransitionVia;
  reasonRequired?: boolean;
}

const { DRAFT, SUBMITTED, ACCEPTED, REJECTED, ADJUDICATED, CLOSED } = ClaimStatus;

/**
 * Every move a claim may make. createClaim makes a draft; submitClaim creates a claim already
 * submitted (one transition, null → submitted: it never was a draft anyone could see). A payer
 * may adjudicate without acknowledging first (submitted → adjudicated). Closing an adjudicated
 * claim writes off what is still owed on it (the transition's reason says how much).
 */
export const CLAIM_TRANSITIONS: readonly ClaimTransitionRule[] = [
  { from: null, to: DRAFT, via: 'create' },
  { from: null, to: SUBMITTED, via: 'create' },
  { from: DRAFT, to: SUBMITTED, via: 'transition' },
  { from: SUBMITTED, to: ACCEPTED, via: 'transition' },
  { from: SUBMITTED, to: REJECTED, via: 'transition', reasonRequired: true },
  { from: SUBMITTED, to: ADJUDICATED, via: 'adjudication' },
  { from: ACCEPTED, to: ADJUDICATED, via: 'adjudication' },
  { from: REJECTED, to: CLOSED, via: 'transition' },
  { from: ADJUDICATED, to: CLOSED, via: 'transition' },
];

/** The statuses a claim in `from` may move to `via` one kind of change. */
export function allowedTargets(from: ClaimStatus | null, via: ClaimTransitionVia): ClaimStatus[] {
  return CLAIM_TRANSITIONS.filter((rule) => rule.from === from && rule.via === via).map((rule) => rule.to);
}

/** The statuses `via` may move a claim out of (adjudication: submitted, accepted). */
export function allowedSources(to: ClaimStatus, via: ClaimTransitionVia): ClaimStatus[] {
  return CLAIM_TRANSITIONS.filter((rule) => rule.to === to && rule.via === via && rule.from !== null).map((rule) => rule.from!);
}

const graphqlName = (status: ClaimStatus) => status.toUpperCase();

export interface ClaimMove {
  to: ClaimStatus;
  via: ClaimTransitionVia;
  actor: BillingActor | { kind: 'system'; id: string };
  at: Date;
  reason?: string | null;
  /** The input field an illegal move is reported on. */
  field: string;
  /** The claim is new (em.create'd with status `to`): the transition is from null. */
  created?: boolean;
}

/**
 * Moves a claim (locked by the caller, or new) to `move.to` if the lifecycle allows it `via` this
 * kind of change, sets the timestamp of the status reached, and writes the claim with whatever
 * else `em` holds, then its claim_transition row (the caller's transaction commits both).
 * Illegal: BAD_USER_INPUT on `move.field` listing the statuses the claim may move to.
 */
export async function moveClaim(em: EntityManager, claim: Claim, move: ClaimMove): Promise<ClaimTransition> {
  const from = move.created ? null : claim.status;
  const rule = CLAIM_TRANSITIONS.find((candidate) => candidate.from === from && candidate.to === move.to && candidate.via === move.via);
  if (!rule) {
    const targets = allowedTargets(from, move.via).map(graphqlName);
    const what = from ? `A ${graphqlName(from)} claim` : 'A new claim';
    throw badInput(move.field, `${what} cannot move to ${graphqlName(move.to)} here; ${targets.length ? `allowed: ${targets.join(', ')}` : 'it can move nowhere'}`);
  }
  if (rule.reasonRequired && !move.reason?.trim()) throw badInput('reason', `Moving a claim to ${graphqlName(move.to)} needs a reason`);

  claim.status = move.to;
  if (move.to === SUBMITTED) claim.submittedAt = move.at;
  if (move.to === ADJUDICATED) claim.adjudicatedAt = move.at;
  if (move.to === CLOSED) claim.closedAt = move.at;
  await em.flush(); // the claim row first: its transition points at it
  const transition = em.create(ClaimTransition, {
    claimId: claim.id,
    fromStatus: from,
    toStatus: move.to,
    actorKind: move.actor.kind,
    actorId: move.actor.id,
    at: move.at,
    reason: move.reason?.trim() || null,
  });
  await em.flush();
  return transition;
}
