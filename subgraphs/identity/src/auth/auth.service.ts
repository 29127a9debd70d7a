import { signAccessToken, type Logger, type TokenPrincipal } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authenticator } from 'otplib';
import type { ResolvedIdentityOptions } from '../options';
import { ApiClient } from '../client/api-client.entity';
import { RetiredRefreshToken, Session } from '../session/session.entity';
import { endSessions } from '../session/session-events';
import { UserAccount } from '../user/user-account.entity';
import type { AuthEvent, AuthEventSink } from './auth-events';
import { normalizeEmail, randomToken, sha256, verifyAgainstDummy, verifySecret } from './secrets';

/** TOTP codes are accepted one 30 s step early or late (clock drift). */
export const totp = authenticator.clone({ window: 1 });

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

export type LoginOutcome = { ok: true; tokens: TokenPair } | { ok: false; error: 'invalid_credentials' | 'mfa_required' };

export interface ClientTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}
export type ClientCredentialsOutcome = { ok: true; token: ClientTokenResponse } | { ok: false; error: 'invalid_client' | 'invalid_scope' };

/** Who is calling, for events only. */
export interface CallerInfo {
  ip?: string;
  requestId?: string;
}

/**
 * Sign-in, session refresh/logout and client credentials. Failures are returned, not thrown,
 * and never say more than the caller may know (no account enumeration). Every outcome is
 * reported to the AuthEventSink.
 */
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly options: ResolvedIdentityOptions,
    private readonly events: AuthEventSink,
    private readonly log: Logger,
    private readonly caller: CallerInfo = {},
  ) {}

  private async emit(event: Omit<AuthEvent, 'at' | 'ip' | 'requestId'>): Promise<void> {
    try {
      await this.events.record({ ...event, at: new Date(), ip: this.caller.ip, requestId: this.caller.requestId });
    } catch (error) {
      this.log.error({ err: { type: (error as Error)?.name }, authEventType: event.type }, 'auth event sink failed');
    }
  }

  async login(email: string, password: string, code?: string): Promise<LoginOutcome> {
    const invalid = { ok: false, error: 'invalid_credentials' } as const;
    const user = await this.em.findOne(UserAccount, { email: normalizeEmail(email) });
    if (!user) {
      await verifyAgainstDummy(password);
      await this.emit({ type: 'login_failed', reason: 'unknown_account' });
      return invalid;
    }
    const who = { userId: user.id, role: user.role, organizationId: user.organizationId };
    const now = new Date();
    if (user.lockedUntil && user.lockedUntil > now) {
      await verifyAgainstDummy(password);
      await this.emit({ type: 'login_failed', reason: 'locked', ...who });
      return invalid;
    }
    const passwordOk = await verifySecret(user.passwordHash, password);
    if (!user.active) {
      await this.emit({ type: 'login_failed', reason: 'inactive', ...who });
      return invalid;
    }
    if (!passwordOk) {
      await this.registerFailure(user);
      await this.emit({ type: 'login_failed', reason: 'invalid_password', ...who });
      return invalid;
    }
    if (user.totpEnabled) {
      if (!code) {
        await this.emit({ type: 'login_failed', reason: 'mfa_required', ...who });
        return { ok: false, error: 'mfa_required' };
      }
      if (!user.totpSecret || !totp.check(code, user.totpSecret)) {
        await this.registerFailure(user);
        await this.emit({ type: 'login_failed', reason: 'invalid_totp', ...who });
        return invalid;
      }
    }
    await this.em.nativeUpdate(UserAccount, { id: user.id }, { failedLoginCount: 0, lockedUntil: null, lastLoginAt: now });
    const refreshToken = randomToken('rt_');
    const session = this.em.create(Session, {
      user,
      refreshTokenHash: sha256(refreshToken),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.options.sessionMaxHours * 3_600_000),
    });
    await this.em.persistAndFlush(session);
    await this.emit({ type: 'login_succeeded', sessionId: session.id, ...who });
    return { ok: true, tokens: await this.tokensFor(user, session, refreshToken) };
  }

  /** One more failure; the Nth in a row locks the account for lockoutMinutes (atomic, so parallel guesses count). */
  private async registerFailure(user: UserAccount): Promise<void> {
    const { loginMaxFailures, lockoutMinutes } = this.options;
    await this.em.getConnection().execute(
      `update "identity"."user_account"
          set "failed_login_count" = case when "failed_login_count" + 1 >= ? then 0 else "failed_login_count" + 1 end,
              "locked_until" = case when "failed_login_count" + 1 >= ? then now() + make_interval(mins => ?) else "locked_until" end
        where "id" = ?`,
      [loginMaxFailures, loginMaxFailures, lockoutMinutes, user.id],
    );
  }

  private async tokensFor(user: UserAccount, session: Session, refreshToken: string): Promise<TokenPair> {
    const principal: TokenPrincipal = {
      kind: 'user', userId: user.id, role: user.role, organizationId: user.organizationId ?? null, patientId: user.patientId ?? null, sessionId: session.id,
    };
    const accessToken = await signAccessToken(principal, {
      privateKey: this.options.signingKey, ttlSeconds: this.options.accessTokenTtlSeconds, keyId: this.options.keyId,
    });
    return { accessToken, refreshToken, expiresIn: this.options.accessTokenTtlSeconds, tokenType: 'Bearer' };
  }

  private async revoke(session: Session, reason: string): Promise<void> {
    await endSessions(this.em, { sessionId: session.id }, reason);
  }

  /**
   * Rotates the refresh token. Refused when the session is revoked, past its absolute expiry, idle
   * too long, or its user deactivated. A token that was already rotated out means it was copied:
   * the whole session is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair | null> {
    const hash = sha256(refreshToken);
    const session = await this.em.findOne(Session, { refreshTokenHash: hash }, { populate: ['user'] });
    if (!session) {
      const retired = await this.em.findOne(RetiredRefreshToken, { tokenHash: hash }, { populate: ['session'] });
      if (retired) {
        await this.revoke(retired.session, 'reuse');
        await this.emit({ type: 'refresh_failed', reason: 'reuse', sessionId: retired.session.id });
      } else {
        await this.emit({ type: 'refresh_failed', reason: 'unknown_token' });
      }
      return null;
    }
    const user = session.user;
    const who = { userId: user.id, role: user.role, organizationId: user.organizationId, sessionId: session.id };
    const now = new Date();
    const refuse = async (reason: string) => {
      if (!session.revokedAt) await this.revoke(session, reason);
      await this.emit({ type: 'refresh_failed', reason, ...who });
      return null;
    };
    if (session.revokedAt) return refuse('revoked');
    if (session.expiresAt <= now) return refuse('expired');
    if (now.getTime() - session.lastSeenAt.getTime() > this.options.sessionIdleMinutes * 60_000) return refuse('idle');
    if (!user.active) return refuse('inactive');

    const next = randomToken('rt_');
    const rotated = await this.em.transactional(async (tx) => {
      const count = await tx.nativeUpdate(Session, { id: session.id, refreshTokenHash: hash, revokedAt: null }, { refreshTokenHash: sha256(next), lastSeenAt: now });
      if (count !== 1) return false;
      await tx.insert(RetiredRefreshToken, { tokenHash: hash, session: session.id, retiredAt: now });
      return true;
    });
    if (!rotated) {
      // another request rotated this token a moment ago: refuse this one, keep the session
      await this.emit({ type: 'refresh_failed', reason: 'concurrent', ...who });
      return null;
    }
    await this.emit({ type: 'refresh_succeeded', ...who });
    return this.tokensFor(user, session, next);
  }

  /** Ends the session the refresh token belongs to (current or rotated out). Idempotent. */
  async logoutByRefreshToken(refreshToken: string): Promise<boolean> {
    const hash = sha256(refreshToken);
    const session =
      (await this.em.findOne(Session, { refreshTokenHash: hash }, { populate: ['user'] })) ??
      (await this.em.findOne(RetiredRefreshToken, { tokenHash: hash }, { populate: ['session.user'] }))?.session;
    return this.endSession(session ?? null);
  }

  /** Ends the session named by a verified access token, if it belongs to that user. */
  async logoutSession(userId: string, sessionId: string): Promise<boolean> {
    const session = await this.em.findOne(Session, { id: sessionId, user: userId }, { populate: ['user'] });
    return this.endSession(session);
  }

  private async endSession(session: Session | null): Promise<boolean> {
    if (!session || session.revokedAt) return false;
    await this.revoke(session, 'logout');
    await this.emit({ type: 'logout', userId: session.user.id, role: session.user.role, organizationId: session.user.organizationId, sessionId: session.id });
    return true;
  }

  /** RFC 6749 §4.4: a partner app trades its id and secret for an access token. */
  async clientCredentials(clientId: string, secret: string, scope: string | undefined): Promise<ClientCredentialsOutcome> {
    const client = await this.em.findOne(ApiClient, { clientId });
    if (!client) {
      await verifyAgainstDummy(secret);
      await this.emit({ type: 'client_token_failed', reason: 'unknown_client' });
      return { ok: false, error: 'invalid_client' };
    }
    const who = { clientId: client.clientId, organizationId: client.organizationId };
    const secretOk = await verifySecret(client.secretHash, secret);
    if (!secretOk || !client.active) {
      await this.emit({ type: 'client_token_failed', reason: secretOk ? 'inactive' : 'invalid_secret', ...who });
      return { ok: false, error: 'invalid_client' };
    }
    const requested = scope === undefined ? [] : [...new Set(scope.split(' ').filter(Boolean))];
    if (requested.some((s) => !client.scopes.includes(s))) {
      await this.emit({ type: 'client_token_failed', reason: 'invalid_scope', ...who });
      return { ok: false, error: 'invalid_scope' };
    }
    const scopes = requested.length ? requested : client.scopes;
    const access_token = await signAccessToken(
      { kind: 'client', clientId: client.clientId, organizationId: client.organizationId ?? null, scopes },
      { privateKey: this.options.signingKey, ttlSeconds: this.options.accessTokenTtlSeconds, keyId: this.options.keyId },
    );
    await this.emit({ type: 'client_token_issued', ...who });
    return { ok: true, token: { access_token, token_type: 'Bearer', expires_in: this.options.accessTokenTtlSeconds, scope: scopes.join(' ') } };
  }
}
