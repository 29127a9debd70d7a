import { AuditActorTypeEnum } from '@caregraph/platform';
import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ObjectType } from 'type-graphql';
import { ClaimStatus } from './claim.entity';

/** One step of a claim's lifecycle: who moved it, when, from what to what, and why. Never updated. */
@ObjectType({ description: "One step of a claim's lifecycle: who moved it, when, from what to what, and why" })
@Entity({ tableName: 'claim_transition' })
export class ClaimTransition {
  @PrimaryKey({ type: 'bigint', generated: 'always as identity' })
  id!: string & Opt;

  @Property({ type: 'uuid' })
  claimId!: string;

  /** null for the claim's creation. */
  @Field(() => ClaimStatus, { name: 'from', nullable: true, description: 'null when the claim was created' })
  @Enum({ items: () => ClaimStatus, type: 'text', nullable: true })
  fromStatus?: ClaimStatus | null;

  @Field(() => ClaimStatus, { name: 'to' })
  @Enum({ items: () => ClaimStatus, type: 'text' })
  toStatus!: ClaimStatus;

  @Field(() => AuditActorTypeEnum, { description: 'USER (billing staff), CLIENT (a partner app) or SYSTEM (import, demo data)' })
  @Property({ type: 'text' })
  actorKind!: 'user' | 'client' | 'system';

  @Field({ description: 'The user id, partner app client id, or the job (e.g. fhir-import)' })
  @Property({ type: 'text' })
  actorId!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  at: Date & Opt = new Date();

  @Field(() => String, { nullable: true, description: 'Why (required for REJECTED; closing an adjudicated claim states what was written off)' })
  @Property({ type: 'text', nullable: true })
  reason?: string | null;
}
