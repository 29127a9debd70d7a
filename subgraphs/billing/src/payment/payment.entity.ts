import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PaymentSource {
  PAYER = 'payer',
  PATIENT = 'patient',
}
registerEnumType(PaymentSource, { name: 'PaymentSource', description: 'Who paid: a payer or the patient' });

/**
 * Money received by a provider organization, from a payer or from the patient, applied to one or
 * more claims (PaymentAllocation). The allocations sum to the amount; each raises the claim's
 * payer_paid or patient_paid in the same transaction.
 */
@ObjectType({ description: 'Money a provider organization received from a payer or a patient, applied to claims' })
@Entity({ tableName: 'payment' })
export class Payment {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => PaymentSource)
  @Enum({ items: () => PaymentSource, type: 'text' })
  source!: PaymentSource;

  @Property({ type: 'uuid', nullable: true })
  payerId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  patientId?: string | null;

  /** The provider organization that received it. */
  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: new BigIntType('bigint') })
  amountMinorUnits!: bigint;

  @Property({ type: 'character', length: 3 })
  currency!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  receivedAt!: Date;

  /** The payer's or the patient's reference (check number, remittance id, ...). */
  @Field(() => String, { nullable: true, description: "The payer's or the patient's reference (check number, remittance id, ...)" })
  @Property({ type: 'text', nullable: true })
  reference?: string | null;

  @Property({ type: 'text', nullable: true })
  idempotencyKey?: string | null;

  /** sha256 of the canonical request, so a reused key with another payload is refused. */
  @Property({ type: 'text', nullable: true })
  payloadHash?: string | null;

  /** Who recorded it: `user:<id>`, `client:<id>` or `system:<purpose>`. */
  @Property({ type: 'text' })
  recordedBy!: string;

  @Field(() => Date, { name: 'recordedAt', description: 'When it was recorded' })
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();
}

/** The part of a payment applied to one claim. */
@Entity({ tableName: 'payment_allocation' })
export class PaymentAllocation {
  @PrimaryKey({ type: 'uuid' })
  paymentId!: string;

  @PrimaryKey({ type: 'uuid' })
  claimId!: string;

  @Property({ type: new BigIntType('bigint') })
  amountMinorUnits!: bigint;
}
