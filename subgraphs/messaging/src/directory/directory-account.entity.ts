import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/postgresql';
import { CLINICIAN_ROLES, type AccessSubject, type Role } from '@caregraph/platform';

/**
 * A staff account as the messaging subgraph knows it: a copy kept from identity's
 * `identity.account` events (directory.events.ts), never read from identity's schema. Who can be
 * a thread participant, and which accounts a mentioned practitioner signs in with.
 */
@Entity({ tableName: 'directory_account' })
export class DirectoryAccount {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'text' })
  role!: Role;

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'uuid', nullable: true })
  practitionerId?: string | null;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'boolean' })
  active!: boolean;

  @Property({ type: new BigIntType('string') })
  lastEventId!: string;
}

/** Whether the account is an active physician or nurse. */
export const isActiveClinician = (account: DirectoryAccount | null | undefined): account is DirectoryAccount =>
  Boolean(account?.active && CLINICIAN_ROLES.includes(account.role));

/** The account as the access policy is asked about it (see PatientAccessGate.decisionsFor). */
export const accessSubjectOf = (account: DirectoryAccount): AccessSubject =>
  ({ userId: account.userId, role: account.role as AccessSubject['role'], organizationId: account.organizationId });
