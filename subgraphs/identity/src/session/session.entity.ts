import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { UserAccount } from '../user/user-account.entity';

/**
 * One sign-in: lives until logout, its absolute expiry, or SESSION_IDLE_MINUTES without a refresh.
 * Only the SHA-256 of the current refresh token is stored; refreshing rotates it.
 */
@Entity({ tableName: 'session' })
export class Session {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => UserAccount, { fieldName: 'user_id', deleteRule: 'cascade' })
  user!: UserAccount;

  /** hex SHA-256 of the current refresh token (unique) */
  @Property({ type: 'text' })
  refreshTokenHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'timestamptz' })
  lastSeenAt: Date & Opt = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null = null;

  /** Why it ended: logout, reuse, idle, expired, deactivated, password_changed, ... */
  @Property({ type: 'text', nullable: true })
  revokedReason?: string | null = null;
}

/** A refresh token that was rotated out. Presenting one again means it leaked: the session is revoked. */
@Entity({ tableName: 'retired_refresh_token' })
export class RetiredRefreshToken {
  @PrimaryKey({ type: 'text' })
  tokenHash!: string;

  @ManyToOne(() => Session, { fieldName: 'session_id', deleteRule: 'cascade' })
  session!: Session;

  @Property({ type: 'timestamptz' })
  retiredAt: Date & Opt = new Date();
}
