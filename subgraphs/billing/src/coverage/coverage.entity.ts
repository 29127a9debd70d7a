import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/** FHIR Coverage.status (http://hl7.org/fhir/fm-status). */
export enum CoverageStatus {
  ACTIVE = 'active',
  CANCELLED = 'cancelled',
  DRAFT = 'draft',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(CoverageStatus, { name: 'CoverageStatus' });

/** The beneficiary's relationship to the subscriber (FHIR subscriber-relationship, simplified). */
export enum SubscriberRelationship {
  SELF = 'self',
  SPOUSE = 'spouse',
  CHILD = 'child',
  OTHER = 'other',
}
registerEnumType(SubscriberRelationship, { name: 'SubscriberRelationship' });

/** A patient's insurance with one payer (FHIR Coverage). `benefitOrder` 1 is primary. */
@ObjectType({ description: "A patient's insurance with one payer (FHIR Coverage)" })
@Entity({ tableName: 'coverage' })
export class Coverage {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  @Property({ type: 'uuid' })
  payerId!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  planName?: string | null;

  @Field(() => String, { nullable: true, description: "The patient's member id with the payer" })
  @Property({ type: 'text', nullable: true })
  memberId?: string | null;

  @Field(() => String, { nullable: true, description: 'The subscriber (policy holder) id, when not the patient' })
  @Property({ type: 'text', nullable: true })
  subscriberId?: string | null;

  @Field(() => SubscriberRelationship)
  @Enum({ items: () => SubscriberRelationship, type: 'text' })
  relationship: SubscriberRelationship & Opt = SubscriberRelationship.SELF;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  periodStart?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  periodEnd?: Date | null;

  @Field(() => CoverageStatus)
  @Enum({ items: () => CoverageStatus, type: 'text' })
  status!: CoverageStatus;

  @Field(() => Int, { description: 'Order of benefits: 1 is primary, 2 secondary, ...' })
  @Property({ type: 'int' })
  benefitOrder: number & Opt = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
