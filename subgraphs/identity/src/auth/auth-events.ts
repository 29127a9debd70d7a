import type { Logger } from '@caregraph/platform';

export type AuthEventType =
  | 'login_succeeded' | 'login_failed'
  | 'refresh_succeeded' | 'refresh_failed'
  | 'logout'
  | 'client_token_issued' | 'client_token_failed';

/**
 * One sign-in event, for the audit log. Ids only: never an email, password, token or secret
 * (an unknown email is recorded as "unknown_account", not echoed).
 */
export interface AuthEvent {
  type: AuthEventType;
  at: Date;
  /** e.g. invalid_password, unknown_account, locked, inactive, mfa_required, invalid_totp, reuse, idle, expired, revoked, invalid_secret, invalid_scope */
  reason?: string;
  userId?: string;
  role?: string;
  organizationId?: string | null;
  sessionId?: string;
  /** The client's public id (not a secret). */
  clientId?: string;
  /** Caller address as seen by this service (the gateway forwards the original). */
  ip?: string;
  requestId?: string;
}

/** Where sign-in events go; the audit log plugs in here. Must not throw into the request. */
export interface AuthEventSink {
  record(event: AuthEvent): void | Promise<void>;
}

/** Default sink: one pino line per event. */
export function logAuthEventSink(logger: Logger): AuthEventSink {
  return {
    record(event) {
      const level = event.type.endsWith('_failed') ? 'warn' : 'info';
      logger[level]({ authEvent: { ...event, at: event.at.toISOString() } }, `auth ${event.type}`);
    },
  };
}
