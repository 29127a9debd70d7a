import { appendAudit, describeErrorForLog, type AuditActor, type AuditExecutor, type Logger } from '@caregraph/platform';

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

const AUDIT_ACTIONS: Record<AuthEventType, { action: 'login' | 'login_failed' | 'refresh' | 'logout'; outcome: 'success' | 'failure' }> = {
  login_succeeded: { action: 'login', outcome: 'success' },
  login_failed: { action: 'login_failed', outcome: 'failure' },
  refresh_succeeded: { action: 'refresh', outcome: 'success' },
  refresh_failed: { action: 'refresh', outcome: 'failure' },
  logout: { action: 'logout', outcome: 'success' },
  client_token_issued: { action: 'login', outcome: 'success' },
  client_token_failed: { action: 'login_failed', outcome: 'failure' },
};

/** Sign-in events into the tamper-evident audit log (and the service log), as issue 3 requires. */
export function auditAuthEventSink(audit: AuditExecutor, logger: Logger): AuthEventSink {
  const log = logAuthEventSink(logger);
  return {
    async record(event) {
      log.record(event);
      const actor: AuditActor = event.userId
        ? { type: 'user', id: event.userId, role: event.role ?? null, organizationId: event.organizationId ?? null }
        : event.clientId
          ? { type: 'client', id: event.clientId, role: null, organizationId: null }
          : { type: 'anonymous', id: null, role: null, organizationId: null };
      await appendAudit(audit, {
        service: 'identity',
        requestId: event.requestId ?? null,
        actor,
        ...AUDIT_ACTIONS[event.type],
        detail: { reason: event.reason ?? null, sessionId: event.sessionId ?? null, remoteAddress: event.ip ?? null },
      }).catch((error: unknown) => logger.error({ err: describeErrorForLog(error) }, 'could not audit a sign-in event'));
    },
  };
}
