import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money } from '../money/money';
import { EncounterRef } from '../stubs';

/**
 * Where a claim is in its lifecycle: draft → submitted → accepted or rejected → adjudicated →
 * closed (claim-lifecycle.ts holds the allowed transitions; claim_transition records each).
 */
export enum ClaimStatus {
  DRAFT = 'draft',
  SUBMITTED = 'submitted',
  ACCEPTED = 'accepted',
  REJECTED = 'rejected',
  ADJUDICATED = 'adjudicated',
  CLOSED = 'closed',
}
registerEnumType(ClaimStatus, { name: 'ClaimStatus', description: 'Where a claim is in its lifecycle' });

/** What adjudication decided (set with status adjudicated, kept when the claim closes). */
export enum ClaimOutcome {
  PAID = 'paid',
  PARTIALLY_PAID = 'partially-paid',
  DENIED = 'denied',
}
registerEnumType(ClaimOutcome, { name: 'ClaimOutcome', description: 'What the payer decided: paid in full (as allowed), partially, or denied' });

/** An amount as stored inside jsonb: integer minor units (a JSON integer, within ±2^53). */
export interface StoredMoney {
  minorUnits: number;
  currency: string;
}

/** A diagnosis the claim carries: its code, or the id of the Condition it references (no clinical copy). */
@ObjectType({ description: 'A diagnosis on a claim: a code, or a reference to a Condition' })
export class ClaimDiagnosis {
  @Field(() => Int) sequence!: number;
  @Field(() => Coding, { nullable: true }) code?: Coding | null;
  @Field(() => ID, { nullable: true, description: 'The referenced Condition (clinical subgraph)' }) conditionId?: string | null;
}

/** One line of a claim as stored in jsonb. */
export interface StoredClaimItem {
  sequence: number;
  productOrService: Coding;
  quantity: number | null;
  unitPrice: StoredMoney | null;
  net: StoredMoney | null;
  encounterId: string | null;
}

@ObjectType({ description: 'A line of a claim: a product or service, its quantity and price' })
export class ClaimItem {
  @Field(() => Int) sequence!: number;
  @Field(() => Coding) productOrService!: Coding;
  @Field(() => Float, { nullable: true }) quantity?: number | null;
  @Field(() => Money, { nullable: true }) unitPrice?: Money | null;
  @Field(() => Money, { nullable: true, description: 'quantity × unitPrice, as billed' }) net?: Money | null;
  @Field(() => EncounterRef, { nullable: true }) encounter?: EncounterRef | null;
}

/**
 * A request for payment for services given to a patient (FHIR Claim). Patient, provider and
 * encounter live in other subgraphs: only their ids are stored (see claim.resolver.ts).
 */
@ObjectType({ description: 'A request for payment for care given to a patient (FHIR Claim)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'claim' })
export class Claim {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  /** FHIR provider: the organization the claim came from. */
  @Property({ type: 'uuid' })
  providerOrganizationId!: string;

  /** The encounter the claim bills (clinical subgraph); unset for claims not tied to one. */
  @Property({ type: 'uuid', nullable: true })
  encounterId?: string | null;

  @Field(() => ClaimStatus)
  @Enum({ items: () => ClaimStatus, type: 'text' })
  status!: ClaimStatus;

  @Field(() => String, { description: 'FHIR claim type code (institutional, professional, pharmacy, oral, vision)' })
  @Property({ type: 'text' })
  typeCode!: string;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  billablePeriodStart?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  billablePeriodEnd?: Date | null;

  @Field(() => Date, { description: 'When the claim was created (FHIR Claim.created)' })
  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  /** Claim.total in minor units of `currency` (see Claim.total in the resolver). */
  @Property({ type: new BigIntType('bigint'), nullable: true })
  totalMinorUnits?: bigint | null;

  @Property({ type: 'character', length: 3, nullable: true })
  currency?: string | null;

  @Field(() => [ClaimDiagnosis])
  @Property({ type: 'jsonb' })
  diagnoses: ClaimDiagnosis[] & Opt = [];

  @Property({ type: 'jsonb' })
  items: StoredClaimItem[] & Opt = [];

  @Field(() => ClaimOutcome, { nullable: true })
  @Enum({ items: () => ClaimOutcome, type: 'text', nullable: true })
  outcome?: ClaimOutcome | null;

  /** The payer of the coverage billed (null: self-pay or not yet known). */
  @Property({ type: 'uuid', nullable: true })
  payerId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  coverageId?: string | null;

  /** The submitter's idempotency key (unique per provider organization) and a hash of what was submitted with it. */
  @Property({ type: 'text', nullable: true })
  idempotencyKey?: string | null;

  @Property({ type: 'text', nullable: true })
  payloadHash?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  submittedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  adjudicatedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date | null;

  /** Adjudicated totals, in minor units of `currency`; null until adjudicated. */
  @Property({ type: new BigIntType('bigint'), nullable: true })
  allowedMinorUnits?: bigint | null;

  @Property({ type: new BigIntType('bigint'), nullable: true })
  payerAmountMinorUnits?: bigint | null;

  @Property({ type: new BigIntType('bigint'), nullable: true })
  patientResponsibilityMinorUnits?: bigint | null;

  /** Payments applied to this claim, by who paid (see payment_allocation). */
  @Property({ type: new BigIntType('bigint') })
  payerPaidMinorUnits: bigint & Opt = 0n;

  @Property({ type: new BigIntType('bigint') })
  patientPaidMinorUnits: bigint & Opt = 0n;

  /** The first denial reason of the adjudication (claim-level, for filters and the denial report). */
  @Property({ type: 'text', nullable: true })
  denialReasonCode?: string | null;

  @Property({ type: 'text', nullable: true })
  denialReasonDisplay?: string | null;

  /** Generated by Postgres from status and the amounts above (see the ledger migration); read-only here. */
  @Property({ type: new BigIntType('bigint'), generated: 'stored' })
  payerOutstandingMinorUnits!: bigint & Opt;

  @Property({ type: new BigIntType('bigint'), generated: 'stored' })
  patientOutstandingMinorUnits!: bigint & Opt;

  @Property({ type: new BigIntType('bigint'), generated: 'stored' })
  outstandingMinorUnits!: bigint & Opt;

  /** When this record was last written (import or lifecycle change). */
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
