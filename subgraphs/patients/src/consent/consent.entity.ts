import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, type Opt, type Rel } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';

export enum ConsentCategory {
  CLINICAL = 'clinical',
  BILLING = 'billing',
  ALL = 'all',
}
registerEnumType(ConsentCategory, { name: 'ConsentCategory', description: 'Which part of the record a consent opens: ALL covers clinical and billing' });

/** Who granted or revoked a consent, as the principal kinds the audit log uses. */
export type ConsentActorType = 'user' | 'client' | 'system';

/**
 * A patient's permission for an organization where they are not registered to see part of their
 * record. Never deleted: revoking sets `revokedAt`, so the history stays (Patient.consents).
 * Active = not revoked, granted, and not expired.
 */
@ObjectType({ description: 'A patient\'s permission for an organization to see part of their record' })
@Entity({ tableName: 'patient_consent' })
export class PatientConsent {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => Patient, { deleteRule: 'cascade' })
  patient!: Rel<Patient>;

  /** The organization allowed to see; `organization` is a field resolver. */
  @ManyToOne(() => Organization)
  organization!: Rel<Organization>;

  @Field(() => ConsentCategory)
  @Enum({ items: () => ConsentCategory, type: 'text' })
  category!: ConsentCategory;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  grantedAt: Date & Opt = new Date();

  @Field(() => Date, { nullable: true, description: 'No expiry when null' })
  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Field(() => String, { description: 'user, client or system' })
  @Property({ type: 'text' })
  grantedByType!: ConsentActorType;

  @Field(() => String, { description: 'The user or client id that granted it' })
  @Property({ type: 'text' })
  grantedById!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  revokedByType?: ConsentActorType | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  revokedById?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  /** Whether the consent opens the record at `now`. */
  isActive(now = new Date()): boolean {
    return !this.revokedAt && this.grantedAt.getTime() <= now.getTime() && (!this.expiresAt || this.expiresAt.getTime() > now.getTime());
  }
}
