import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { ClaimStatus } from './claim.entity';

/** One step of a claim's lifecycle: who moved it, when, from what to what, and why. Never updated. */
@Entity({ tableName: 'claim_transition' })
export class ClaimTransition {
  @PrimaryKey({ type: 'bigint', generated: 'always as identity' })
  id!: string & Opt;

  @Property({ type: 'uuid' })
  claimId!: string;

  /** null for the claim's creation. */
  @Enum({ items: () => ClaimStatus, type: 'text', nullable: true })
  fromStatus?: ClaimStatus | null;

  @Enum({ items: () => ClaimStatus, type: 'text' })
  toStatus!: ClaimStatus;

  @Property({ type: 'text' })
  actorKind!: 'user' | 'client' | 'system';

  @Property({ type: 'text' })
  actorId!: string;

  @Property({ type: 'timestamptz' })
  at: Date & Opt = new Date();

  @Property({ type: 'text', nullable: true })
  reason?: string | null;
}
