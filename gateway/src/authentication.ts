import {
  AccessTokenError, appendAudit, bearerToken, describeErrorForLog, importVerificationKey, verifyAccessToken,
  type AuditExecutor, type Logger,
} from '@caregraph/platform';
import express, { type RequestHandler } from 'express';
import type { KeyObject } from 'node:crypto';
import type { RequestWithPrincipal } from './rate-limit';

export interface AuthenticationOptions {
  /** The identity service's public key (SPKI PEM): access tokens are verified with it. */
  accessTokenPublicKey?: string;
  /** Where denials are audited; unset = log only. */
  audit?: AuditExecutor;
  logger: Logger;
}

const INVALID_TOKEN = { errors: [{ message: 'Invalid or expired access token', extensions: { code: 'UNAUTHENTICATED' } }] };
const NO_TOKEN = { errors: [{ message: 'Sign in first: send an access token as Authorization: Bearer <token>', extensions: { code: 'UNAUTHENTICATED' } }] };

type AuthenticatingRequest = RequestWithPrincipal & { tokenRefusal?: string };

/**
 * Verifies the caller's bearer token and attaches the principal (`req.principal`). A missing or bad
 * token only marks the request (`anonymous`): the rate limiter then counts it per IP, and
 * `refuseUnauthenticated` answers it, so a flood of bad tokens is throttled before it is audited.
 */
export function authenticate(options: Pick<AuthenticationOptions, 'accessTokenPublicKey'>): RequestHandler {
  const key: KeyObject | undefined = options.accessTokenPublicKey ? importVerificationKey(options.accessTokenPublicKey) : undefined;
  return async (req, _res, next) => {
    const request = req as AuthenticatingRequest;
    try {
      if (!req.headers.authorization) throw new AccessTokenError('missing');
      if (!bearerToken(req.headers.authorization)) throw new AccessTokenError('malformed'); // Basic, or Bearer without a token
      if (!key) throw new AccessTokenError('invalid_signature'); // no key configured: nothing can be trusted
      request.principal = await verifyAccessToken(bearerToken(req.headers.authorization), { publicKey: key });
    } catch (error) {
      request.principal = { kind: 'anonymous' };
      request.tokenRefusal = error instanceof AccessTokenError ? error.kind : 'malformed';
    }
    next();
  };
}

/**
 * Answers a request `authenticate` could not identify with 401, without saying why (the kind goes
 * to the audit row only), and audits it: every part of the graph is someone's record.
 */
export function refuseUnauthenticated(options: AuthenticationOptions): RequestHandler {
  return async (req, res, next) => {
    const kind = (req as AuthenticatingRequest).tokenRefusal;
    if (!kind) return next();
    const requestId = res.locals.requestId as string | undefined;
    options.logger.warn({ requestId, kind }, 'access token refused');
    await auditRefusedToken(options.audit, options.logger, { requestId, kind, remoteAddress: req.ip ?? null });
    if (kind === 'missing') res.status(401).set('WWW-Authenticate', 'Bearer realm="caregraph"').json(NO_TOKEN);
    else res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json(INVALID_TOKEN);
  };
}

/** The audit row of a refused token (HTTP request or live connection); unset `audit` = log only. */
export async function auditRefusedToken(audit: AuditExecutor | undefined, logger: Logger, refusal: { requestId?: string; kind: string; remoteAddress: string | null }): Promise<void> {
  if (!audit) return;
  await appendAudit(audit, {
    service: 'gateway',
    requestId: refusal.requestId,
    actor: { kind: 'anonymous' },
    action: 'unauthenticated',
    outcome: 'denied',
    detail: { reason: refusal.kind, remoteAddress: refusal.remoteAddress },
  }).catch((auditError: unknown) => logger.error({ err: describeErrorForLog(auditError) }, 'could not audit a refused token'));
}

/** Headers worth passing between the caller and the identity service, in each direction. */
const FORWARD_REQUEST = ['content-type', 'authorization', 'accept', 'x-request-id'];
const FORWARD_RESPONSE = ['content-type', 'www-authenticate', 'cache-control', 'pragma', 'retry-after'];

/**
 * Serves the identity service's sign-in endpoints (/auth/*, /oauth/token, /.well-known/jwks.json)
 * on the gateway's origin, so browsers and partner apps talk to one host.
 */
export function signInProxy(identityBaseUrl: string, logger: Logger): RequestHandler {
  const router = express.Router();
  // raw bodies on these routes only: /graphql parses its own JSON
  router.all(['/auth/*path', '/oauth/*path', '/.well-known/jwks.json'], express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const headers: Record<string, string> = { 'x-forwarded-for': req.ip ?? '' };
    for (const name of FORWARD_REQUEST) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const upstream = await fetch(new URL(req.originalUrl, identityBaseUrl), {
        method: req.method,
        headers,
        body: ['GET', 'HEAD'].includes(req.method) || !Buffer.isBuffer(req.body) ? undefined : req.body,
        redirect: 'manual',
      });
      res.status(upstream.status);
      for (const name of FORWARD_RESPONSE) {
        const value = upstream.headers.get(name);
        if (value) res.setHeader(name, value);
      }
      res.send(Buffer.from(await upstream.arrayBuffer()));
    } catch (error) {
      logger.warn({ err: describeErrorForLog(error) }, 'identity service unreachable');
      res.status(503).json({ error: 'temporarily_unavailable' });
    }
  });
  return router;
}
