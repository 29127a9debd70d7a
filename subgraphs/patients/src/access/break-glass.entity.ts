import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, PrimaryKey, Property, type Opt, type Rel } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType } from 'type-graphql';
import { Patient } from '../patient/patient.entity';

/** How long one break-glass opens a record. */
export const BREAK_GLASS_MINUTES = 60;

/**
 * A clinician's emergency access to a patient they could not otherwise see, for a limited time.
 * `reason` is free text that may hold PHI: it stays in this table, never in logs, the audit log
 * or the API.
 */
@ObjectType({ description: 'An audited, time-limited emergency access to a patient record' })
@Entity({ tableName: 'break_glass_access' })
export class BreakGlassAccess {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** The principal's user id. */
  @Property({ type: 'text' })
  userId!: string;

  /** The user's organization at the time (no foreign key: it only records the principal). */
  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null;

  @ManyToOne(() => Patient, { deleteRule: 'cascade' })
  patient!: Rel<Patient>;

  @Property({ type: 'text', lazy: true })
  reason!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  startedAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();
}
