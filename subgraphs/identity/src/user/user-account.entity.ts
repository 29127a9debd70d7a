import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { ROLES, type Role } from '@caregraph/platform';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/** GraphQL face of platform's ROLES: PHYSICIAN ↔ 'physician', ... */
export const UserRole = Object.fromEntries(ROLES.map((role) => [role.toUpperCase(), role])) as { [K in Uppercase<Role>]: Lowercase<K> & Role };
registerEnumType(UserRole, { name: 'UserRole', description: 'What a user account may do' });

/**
 * A person who signs in: staff of one organization, or a patient linked to their Patient record.
 * Credentials (password hash, TOTP secret) are never exposed through GraphQL.
 */
@ObjectType({ description: 'A person who signs in to caregraph' })
@Entity({ tableName: 'user_account' })
export class UserAccount {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** Stored trimmed and lower-cased; unique (index on the column). */
  @Field(() => String)
  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', hidden: true })
  passwordHash!: string;

  @Field(() => UserRole)
  @Property({ type: 'text' })
  role!: Role;

  /** Staff: the organization they work for. Patients: null. */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null = null;

  /** Patients: their Patient record (patients subgraph). */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  patientId?: string | null = null;

  /** Clinicians: their Practitioner record, when known. */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  practitionerId?: string | null = null;

  @Field(() => String)
  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text', nullable: true, hidden: true })
  totpSecret?: string | null = null;

  @Field(() => Boolean, { description: 'Sign-in asks for a one-time code' })
  @Property({ type: 'boolean' })
  totpEnabled: boolean & Opt = false;

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  @Property({ type: 'integer' })
  failedLoginCount: number & Opt = 0;

  @Field(() => Date, { nullable: true, description: 'Sign-in refused until then after repeated failures' })
  @Property({ type: 'timestamptz', nullable: true })
  lockedUntil?: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  lastLoginAt?: Date | null = null;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
