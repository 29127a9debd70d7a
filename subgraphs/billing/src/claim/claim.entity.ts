import { randomUUID } from 'node:crypto';
import { BigIntType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money } from '../money/money';
import { EncounterRef } from '../stubs';

/** FHIR claim status (http://hl7.org/fhir/fm-status). The billing lifecycle will refine it. */
export enum ClaimStatus {
  ACTIVE = 'active',
  CANCELLED = 'cancelled',
  DRAFT = 'draft',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(ClaimStatus, { name: 'ClaimStatus', description: 'FHIR claim status' });

export const CLAIM_STATUS_CODES: readonly string[] = Object.values(ClaimStatus);

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

  /** When this record was last written (import or lifecycle change). */
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
