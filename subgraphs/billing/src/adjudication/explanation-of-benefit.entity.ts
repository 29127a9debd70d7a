import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import type { Coding } from '@caregraph/platform';
import { Field, ID, ObjectType } from 'type-graphql';
import { ClaimOutcome } from '../claim/claim.entity';

/** One adjudicated line as stored in jsonb: integer minor units of the EOB's currency. */
export interface StoredAdjudicationLine {
  /** The claim line's sequence. */
  sequence: number;
  submittedMinorUnits: number;
  allowedMinorUnits: number;
  /** What the payer pays for this line. */
  payerAmountMinorUnits: number;
  /** Deductible, coinsurance and copay: what the patient owes for this line. */
  patientResponsibilityMinorUnits: number;
  /** Why the line was denied or reduced (e.g. CARC codes), null when paid as allowed. */
  denialReason: Coding | null;
}

/**
 * A payer's adjudication of a claim (FHIR ExplanationOfBenefit): per line what was submitted,
 * allowed, paid and left to the patient, and the totals. One per claim; writing it moves the
 * claim to adjudicated with the same totals (see the claim lifecycle).
 */
@ObjectType({ description: "A payer's adjudication of a claim (FHIR ExplanationOfBenefit): per line what was submitted, allowed, paid by the payer and left to the patient" })
@Entity({ tableName: 'explanation_of_benefit' })
export class ExplanationOfBenefit {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid', unique: true })
  claimId!: string;

  @Property({ type: 'uuid' })
  patientId!: string;

  @Property({ type: 'uuid' })
  providerOrganizationId!: string;

  @Property({ type: 'uuid', nullable: true })
  payerId?: string | null;

  @Field(() => ClaimOutcome)
  @Enum({ items: () => ClaimOutcome, type: 'text' })
  outcome!: ClaimOutcome;

  @Field(() => Date, { description: 'When the payer adjudicated the claim (FHIR ExplanationOfBenefit.created)' })
  @Property({ type: 'timestamptz' })
  createdAt!: Date;

  @Property({ type: 'character', length: 3 })
  currency!: string;

  @Property({ type: new BigIntType('bigint') })
  submittedMinorUnits!: bigint;

  @Property({ type: new BigIntType('bigint') })
  allowedMinorUnits!: bigint;

  @Property({ type: new BigIntType('bigint') })
  payerAmountMinorUnits!: bigint;

  @Property({ type: new BigIntType('bigint') })
  patientResponsibilityMinorUnits!: bigint;

  @Property({ type: 'jsonb' })
  lines: StoredAdjudicationLine[] & Opt = [];
}
