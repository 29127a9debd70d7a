import { REQUEST_ID_HEADER, bearerToken, describeErrorForLog, publicJwk, requestIdFrom, verifyAccessToken, type Logger } from '@caregraph/platform';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ResolvedIdentityOptions } from '../options';
import { logAuthEventSink } from './auth-events';
import { AuthService } from './auth.service';

const BODY_LIMIT = '16kb';
const MAX_FIELD = 1024;

type Body = Record<string, unknown>;

/** 400 in the shape of RFC 6749 §5.2; `field` names the property, never echoes its value. */
function invalidRequest(res: Response, field: string, message: string) {
  res.status(400).json({ error: 'invalid_request', field, error_description: message });
}

/** A required, non-empty string field of at most `max` characters; sends the 400 itself when not. */
function stringField(body: Body, field: string, res: Response, { required = true, max = MAX_FIELD } = {}): string | undefined | null {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) {
      invalidRequest(res, field, `${field} is required`);
      return null;
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    invalidRequest(res, field, `${field} must be a string`);
    return null;
  }
  if (value.length > max) {
    invalidRequest(res, field, `${field} is too long`);
    return null;
  }
  return value;
}

/** `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
function basicCredentials(header: string | undefined): { clientId: string; secret: string } | 'malformed' | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!header || !/^Basic\s/i.test(header)) return undefined;
  if (!match) return 'malformed';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
  } catch {
    return 'malformed';
  }
}

/**
 * The identity service's plain HTTP endpoints (the gateway proxies them at the same paths):
 * POST /auth/login, /auth/refresh, /auth/logout, /oauth/token and GET /.well-known/jwks.json.
 * Bodies are never logged; responses carry `Cache-Control: no-store`.
 */
export function mountAuthRoutes(app: express.Express, { orm, logger }: { orm: MikroORM; logger: Logger }, options: ResolvedIdentityOptions): void {
  const log = logger.child({ component: 'auth' });
  const events = options.events ?? logAuthEventSink(log);
  const jwks = publicJwk(options.publicKey, options.keyId).then((key) => ({ keys: [key] }));

  const service = (req: Request) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    return new AuthService(orm.em.fork() as EntityManager, options, events, log.child({ requestId }), { ip: req.ip, requestId });
  };
  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  };
  const parsers = [noStore, express.json({ limit: BODY_LIMIT }), express.urlencoded({ extended: false, limit: BODY_LIMIT })];
  /** Express 5 forwards rejected promises to the error handler below. */
  const body = (req: Request): Body => (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Body) : {});

  const router = express.Router();

  router.post('/auth/login', ...parsers, async (req, res) => {
    const input = body(req);
    const email = stringField(input, 'email', res, { max: 320 });
    if (email === null) return;
    const password = stringField(input, 'password', res);
    if (password === null) return;
    const code = stringField(input, 'totp', res, { required: false, max: 10 });
    if (code === null) return;
    if (code !== undefined && !/^\d{6}$/.test(code)) return invalidRequest(res, 'totp', 'totp must be 6 digits');
    const outcome = await service(req).login(email!, password!, code);
    if (!outcome.ok) return void res.status(401).json({ error: outcome.error });
    res.json(outcome.tokens);
  });

  router.post('/auth/refresh', ...parsers, async (req, res) => {
    const refreshToken = stringField(body(req), 'refreshToken', res, { max: 256 });
    if (refreshToken === null) return;
    const tokens = await service(req).refresh(refreshToken!);
    if (!tokens) return void res.status(401).json({ error: 'invalid_grant' });
    res.json(tokens);
  });

  router.post('/auth/logout', ...parsers, async (req, res) => {
    const refreshToken = stringField(body(req), 'refreshToken', res, { required: false, max: 256 });
    if (refreshToken === null) return;
    const auth = service(req);
    if (refreshToken) {
      await auth.logoutByRefreshToken(refreshToken);
      return void res.status(204).end();
    }
    const bearer = bearerToken(req.headers.authorization);
    if (!bearer) return invalidRequest(res, 'refreshToken', 'refreshToken or a bearer access token is required');
    const principal = await verifyAccessToken(bearer, { publicKey: options.publicKey }).catch(() => null);
    if (!principal || principal.kind !== 'user') return void res.status(401).json({ error: 'invalid_token' });
    await auth.logoutSession(principal.userId, principal.sessionId);
    res.status(204).end();
  });

  router.post('/oauth/token', ...parsers, async (req, res) => {
    const input = body(req);
    const basic = basicCredentials(req.headers.authorization);
    const invalidClient = () => {
      if (basic) res.set('WWW-Authenticate', 'Basic realm="caregraph", charset="UTF-8"');
      res.status(401).json({ error: 'invalid_client' });
    };
    if (basic === 'malformed') return invalidClient();
    const grantType = stringField(input, 'grant_type', res, { max: 100 });
    if (grantType === null) return;
    if (grantType !== 'client_credentials') return void res.status(400).json({ error: 'unsupported_grant_type' });
    const scope = stringField(input, 'scope', res, { required: false, max: 2000 });
    if (scope === null) return;
    if (basic && (input.client_id !== undefined || input.client_secret !== undefined)) {
      return invalidRequest(res, 'client_id', 'use one client authentication method');
    }
    let clientId: string | undefined;
    let secret: string | undefined;
    if (basic) ({ clientId, secret } = basic);
    else {
      const id = stringField(input, 'client_id', res, { max: 200 });
      if (id === null) return;
      const s = stringField(input, 'client_secret', res, { max: 200 });
      if (s === null) return;
      clientId = id;
      secret = s;
    }
    if (!clientId || !secret) return invalidClient();
    const outcome = await service(req).clientCredentials(clientId, secret, scope);
    if (!outcome.ok) {
      if (outcome.error === 'invalid_client') return invalidClient();
      return void res.status(400).json({ error: outcome.error });
    }
    res.json(outcome.token);
  });

  router.get('/.well-known/jwks.json', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(await jwks);
  });

  // Malformed JSON, oversized bodies, unexpected failures: a JSON answer, and a log line without the body.
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: 'invalid_request', error_description: status === 413 ? 'body too large' : 'malformed body' });
      return;
    }
    log.error({ err: describeErrorForLog(error) }, 'auth endpoint failed');
    res.status(500).json({ error: 'server_error' });
  });

  app.use(router);
}
