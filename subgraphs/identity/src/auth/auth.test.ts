import { Writable } from 'node:stream';
import pino from 'pino';
import {
  ASSERTION_HEADER, generateSigningKeyPair, startSubgraphServer, verifyAccessToken, type Principal, type RunningSubgraph,
} from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase } from '../../../../test/support/database';
import { staff } from '../../../../test/support/principals';
import { graphql, testAssertionKeys } from '../../../../test/support/services';
import { ApiClient } from '../client/api-client.entity';
import { Session } from '../session/session.entity';
import { createIdentitySubgraph } from '../subgraph';
import { UserAccount } from '../user/user-account.entity';
import type { AuthEvent } from './auth-events';
import { totp } from './auth.service';
import { hashSecret } from './secrets';

const ORG = '0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f';
const PASSWORD = 'correct horse battery';
const WRONG = 'wrong horse battery!';

describe('identity: sign-in, sessions and client credentials over HTTP', () => {
  const keys = generateSigningKeyPair();
  const events: AuthEvent[] = [];
  let logText = '';
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let base: string;
  const secrets: string[] = [PASSWORD, WRONG];

  const em = () => service.orm.em.fork() as EntityManager;
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const login = (email: string, password = PASSWORD, totpCode?: string) => post('/auth/login', { email, password, ...(totpCode ? { totp: totpCode } : {}) });

  async function createUser(email: string, extra: Partial<UserAccount> = {}) {
    const fork = em();
    const user = fork.create(UserAccount, {
      email, passwordHash: await hashSecret(PASSWORD), role: 'physician', organizationId: ORG, displayName: 'Test User', ...extra,
    });
    await fork.flush();
    return user;
  }
  async function loggedIn(email: string) {
    const response = await login(email);
    expect(response.status).toBe(200);
    secrets.push(response.body.accessToken, response.body.refreshToken);
    return response.body as { accessToken: string; refreshToken: string; expiresIn: number };
  }

  beforeAll(async () => {
    db = await createTestDatabase('identity_auth');
    const sink = new Writable({ write(chunk, _enc, done) { logText += chunk.toString(); done(); } });
    const logger = pino({ level: 'debug' }, sink);
    const definition = createIdentitySubgraph({
      signingKey: keys.privateKey, publicKey: keys.publicKey, keyId: 'test-key', loginMaxFailures: 3, lockoutMinutes: 10,
      // both the capturing sink and the default log sink: the log check below covers the default
      events: { record: (event) => { events.push(event); logger.info({ authEvent: event }, `auth ${event.type}`); } },
    });
    const { pair } = await testAssertionKeys();
    service = await startSubgraphServer(definition, { assertionPublicKey: pair.publicKeyPem, port: 0, databaseUrl: db.url, poolMax: 4, logger });
    base = service.url.replace('/graphql', '');
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('signs in and returns a verifiable ES256 access token and a refresh token', async () => {
    const user = await createUser('alice@hospital.test', { practitionerId: null });
    const response = await login('Alice@Hospital.TEST');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 300 });
    secrets.push(response.body.accessToken, response.body.refreshToken);
    const principal = await verifyAccessToken(response.body.accessToken, { publicKey: keys.publicKey });
    expect(principal).toMatchObject({ kind: 'user', userId: user.id, role: 'physician', organizationId: ORG, patientId: null });

    // the JWKS endpoint serves the key the token verifies with
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kid: 'test-key', alg: 'ES256', kty: 'EC' });
    expect(jwks.keys[0].d).toBeUndefined();
    await expect(verifyAccessToken(response.body.accessToken, { jwks })).resolves.toMatchObject({ userId: user.id });

    const session = await em().findOneOrFail(Session, { id: (principal as { sessionId: string }).sessionId });
    expect(session.refreshTokenHash).not.toContain(response.body.refreshToken);
    expect(events.at(-1)).toMatchObject({ type: 'login_succeeded', userId: user.id, sessionId: session.id });
  });

  it('answers a wrong password and an unknown email identically', async () => {
    await createUser('bob@hospital.test');
    const wrong = await login('bob@hospital.test', WRONG);
    const unknown = await login('nobody@hospital.test', WRONG);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid_credentials' });
    expect(unknown.body).toEqual(wrong.body);
    expect(events.slice(-2).map((e) => [e.type, e.reason])).toEqual([['login_failed', 'invalid_password'], ['login_failed', 'unknown_account']]);
  });

  it('locks the account after consecutive failures, even for the right password, until the lock expires', async () => {
    const user = await createUser('carol@hospital.test');
    for (let i = 0; i < 3; i++) expect((await login('carol@hospital.test', WRONG)).status).toBe(401);
    const locked = await login('carol@hospital.test');
    expect(locked.status).toBe(401);
    expect(locked.body).toEqual({ error: 'invalid_credentials' });
    expect(events.at(-1)).toMatchObject({ type: 'login_failed', reason: 'locked', userId: user.id });
    const row = await em().findOneOrFail(UserAccount, { id: user.id });
    expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);

    await em().getConnection().execute(`update "identity"."user_account" set "locked_until" = now() - interval '1 second' where "id" = ?`, [user.id]);
    await loggedIn('carol@hospital.test');
    const reset = await em().findOneOrFail(UserAccount, { id: user.id });
    expect(reset.failedLoginCount).toBe(0);
    expect(reset.lockedUntil).toBeNull();
  });

  it('a success resets the failure count', async () => {
    await createUser('dave@hospital.test');
    for (let i = 0; i < 2; i++) await login('dave@hospital.test', WRONG);
    await loggedIn('dave@hospital.test');
    for (let i = 0; i < 2; i++) await login('dave@hospital.test', WRONG);
    await loggedIn('dave@hospital.test');
  });

  it('refuses an inactive account with the same answer', async () => {
    await createUser('erin@hospital.test', { active: false });
    const response = await login('erin@hospital.test');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_credentials' });
    expect(events.at(-1)).toMatchObject({ reason: 'inactive' });
  });

  it('asks for a TOTP code when enabled, refuses a wrong one and accepts the right one', async () => {
    const secret = totp.generateSecret();
    await createUser('frank@hospital.test', { totpSecret: secret, totpEnabled: true });
    expect(await login('frank@hospital.test')).toMatchObject({ status: 401, body: { error: 'mfa_required' } });
    const code = totp.generate(secret);
    const wrongCode = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    expect(await login('frank@hospital.test', PASSWORD, wrongCode)).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    // the right code with a wrong password is still a wrong password
    expect(await login('frank@hospital.test', WRONG, code)).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    const ok = await login('frank@hospital.test', PASSWORD, code);
    expect(ok.status).toBe(200);
    secrets.push(ok.body.accessToken, ok.body.refreshToken);
  });

  it('validates login bodies with 400s naming the field, JSON or form-encoded', async () => {
    expect(await post('/auth/login', { password: PASSWORD })).toMatchObject({ status: 400, body: { error: 'invalid_request', field: 'email' } });
    expect(await post('/auth/login', { email: 'x@y.test', password: 42 })).toMatchObject({ status: 400, body: { field: 'password' } });
    expect(await post('/auth/login', { email: 'x@y.test', password: PASSWORD, totp: 'abc' })).toMatchObject({ status: 400, body: { field: 'totp' } });
    expect(await post('/auth/login', '{"email": ')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const form = await post('/auth/login', `email=alice%40hospital.test&password=${encodeURIComponent(PASSWORD)}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(200);
    secrets.push(form.body.accessToken, form.body.refreshToken);
  });

  it('rotates the refresh token; reusing a rotated one revokes the whole session', async () => {
    await createUser('grace@hospital.test');
    const first = await loggedIn('grace@hospital.test');
    const second = await post('/auth/refresh', { refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    secrets.push(second.body.accessToken, second.body.refreshToken);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const principal = await verifyAccessToken(second.body.accessToken, { publicKey: keys.publicKey });
    const sessionId = (principal as { sessionId: string }).sessionId;
    expect((await verifyAccessToken(first.accessToken, { publicKey: keys.publicKey }) as { sessionId: string }).sessionId).toBe(sessionId);

    const reuse = await post('/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse).toMatchObject({ status: 401, body: { error: 'invalid_grant' } });
    expect(events.at(-1)).toMatchObject({ type: 'refresh_failed', reason: 'reuse', sessionId });
    // the legitimate holder's newer token is dead too
    expect((await post('/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
    expect((await em().findOneOrFail(Session, { id: sessionId })).revokedReason).toBe('reuse');
  });

  it('ends a session idle longer than SESSION_IDLE_MINUTES, and one past its absolute expiry', async () => {
    await createUser('heidi@hospital.test');
    const idle = await loggedIn('heidi@hospital.test');
    const idleSession = (await verifyAccessToken(idle.accessToken, { publicKey: keys.publicKey }) as { sessionId: string }).sessionId;
    await em().getConnection().execute(`update "identity"."session" set "last_seen_at" = now() - interval '16 minutes' where "id" = ?`, [idleSession]);
    expect((await post('/auth/refresh', { refreshToken: idle.refreshToken })).status).toBe(401);
    expect(await em().findOneOrFail(Session, { id: idleSession })).toMatchObject({ revokedReason: 'idle' });

    // 14 minutes idle is still fine
    const recent = await loggedIn('heidi@hospital.test');
    const recentSession = (await verifyAccessToken(recent.accessToken, { publicKey: keys.publicKey }) as { sessionId: string }).sessionId;
    await em().getConnection().execute(`update "identity"."session" set "last_seen_at" = now() - interval '14 minutes' where "id" = ?`, [recentSession]);
    const refreshed = await post('/auth/refresh', { refreshToken: recent.refreshToken });
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.refreshToken);

    await em().getConnection().execute(`update "identity"."session" set "expires_at" = now() - interval '1 second' where "id" = ?`, [recentSession]);
    expect((await post('/auth/refresh', { refreshToken: refreshed.body.refreshToken })).status).toBe(401);
    expect(await em().findOneOrFail(Session, { id: recentSession })).toMatchObject({ revokedReason: 'expired' });
  });

  it('refuses refresh for a deactivated user and for garbage', async () => {
    const user = await createUser('ivan@hospital.test');
    const tokens = await loggedIn('ivan@hospital.test');
    await em().nativeUpdate(UserAccount, { id: user.id }, { active: false });
    expect((await post('/auth/refresh', { refreshToken: tokens.refreshToken })).status).toBe(401);
    expect((await post('/auth/refresh', { refreshToken: 'rt_nonsense' })).status).toBe(401);
    expect(await post('/auth/refresh', {})).toMatchObject({ status: 400, body: { field: 'refreshToken' } });
  });

  it('logs out by refresh token or by bearer access token', async () => {
    await createUser('judy@hospital.test');
    const a = await loggedIn('judy@hospital.test');
    expect((await post('/auth/logout', { refreshToken: a.refreshToken })).status).toBe(204);
    expect(events.at(-1)).toMatchObject({ type: 'logout' });
    expect((await post('/auth/refresh', { refreshToken: a.refreshToken })).status).toBe(401);
    // idempotent
    expect((await post('/auth/logout', { refreshToken: a.refreshToken })).status).toBe(204);

    const b = await loggedIn('judy@hospital.test');
    expect((await post('/auth/logout', {}, { authorization: `Bearer ${b.accessToken}` })).status).toBe(204);
    expect((await post('/auth/refresh', { refreshToken: b.refreshToken })).status).toBe(401);
    expect((await post('/auth/logout', {}, { authorization: 'Bearer not.a.token' })).status).toBe(401);
    expect((await post('/auth/logout', {})).status).toBe(400);
  });

  describe('client credentials (/oauth/token)', () => {
    const CLIENT_SECRET = 'cgs_test-client-secret-value';
    const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      post('/oauth/token', new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
    const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}` });

    beforeAll(async () => {
      secrets.push(CLIENT_SECRET);
      const fork = em();
      fork.create(ApiClient, { clientId: 'partner-one', secretHash: await hashSecret(CLIENT_SECRET), name: 'Partner', organizationId: ORG, scopes: ['system/Claim.read', 'patient/*.read'] });
      fork.create(ApiClient, { clientId: 'partner-off', secretHash: await hashSecret(CLIENT_SECRET), name: 'Old partner', organizationId: ORG, scopes: ['system/Claim.read'], active: false });
      await fork.flush();
    });

    it('issues a token with HTTP Basic and a form body, all allowed scopes by default', async () => {
      const response = await form({ grant_type: 'client_credentials' }, basic('partner-one', CLIENT_SECRET));
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'system/Claim.read patient/*.read' });
      secrets.push(response.body.access_token);
      await expect(verifyAccessToken(response.body.access_token, { publicKey: keys.publicKey })).resolves.toEqual({
        kind: 'client', clientId: 'partner-one', organizationId: ORG, scopes: ['system/Claim.read', 'patient/*.read'],
      });
      expect(events.at(-1)).toMatchObject({ type: 'client_token_issued', clientId: 'partner-one' });
    });

    it('accepts client_id/client_secret in a JSON body and narrows to the requested scope', async () => {
      const response = await post('/oauth/token', { grant_type: 'client_credentials', client_id: 'partner-one', client_secret: CLIENT_SECRET, scope: 'system/Claim.read' });
      expect(response).toMatchObject({ status: 200, body: { scope: 'system/Claim.read' } });
      secrets.push(response.body.access_token);
      expect(await verifyAccessToken(response.body.access_token, { publicKey: keys.publicKey })).toMatchObject({ scopes: ['system/Claim.read'] });
    });

    it('answers a bad secret, an unknown client and an inactive client with invalid_client', async () => {
      const bad = await form({ grant_type: 'client_credentials' }, basic('partner-one', 'cgs_wrong'));
      expect(bad).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect(bad.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(await form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect(await form({ grant_type: 'client_credentials', client_id: 'partner-off', client_secret: CLIENT_SECRET })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('refuses a scope outside the allowed set, other grants and incomplete requests per RFC 6749', async () => {
      expect(await form({ grant_type: 'client_credentials', scope: 'system/Claim.read system/Claim.write' }, basic('partner-one', CLIENT_SECRET)))
        .toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      expect(await form({ grant_type: 'password' }, basic('partner-one', CLIENT_SECRET))).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
      expect(await form({}, basic('partner-one', CLIENT_SECRET))).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await form({ grant_type: 'client_credentials', client_id: 'partner-one', client_secret: CLIENT_SECRET }, basic('partner-one', CLIENT_SECRET)))
        .toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await form({ grant_type: 'client_credentials' })).toMatchObject({ status: 400, body: { error: 'invalid_request', field: 'client_id' } });
    });
  });

  /** The gateway's assertion of `principal`, addressed to this service. */
  const asserting = async (principal: Principal) => ({ [ASSERTION_HEADER]: await (await testAssertionKeys()).signer.sign(principal, 'identity', 'test') });
  /** An assertion of an anonymous caller: the gateway no longer sends one, and the service refuses it too. */
  const anonymous = () => asserting({ kind: 'anonymous' });

  it('GraphQL refuses anonymous callers with UNAUTHENTICATED', async () => {
    const response = await graphql(service.url, `{ me { __typename } }`, {}, { headers: await anonymous() });
    expect(response.status).toBe(401);
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    const mutation = await graphql(service.url, `mutation { deactivateUser(id: "${ORG}") { id } }`, {}, { headers: await anonymous() });
    expect(mutation.status).toBe(401);
    expect(mutation.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('GraphQL validates input before anything else, naming the field', async () => {
    const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`;
    const invalid = { email: 'not-an-email', password: PASSWORD, role: 'NURSE', displayName: 'N' };
    // an org admin (who may create accounts) is told which field is wrong, without the value
    const response = await graphql(service.url, CREATE, { input: invalid }, { headers: await asserting(staff('org_admin', ORG)) });
    expect(response.data).toBeNull();
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(JSON.stringify(response)).not.toContain('not-an-email');
    expect(await em().count(UserAccount, { email: 'not-an-email' })).toBe(0);
    // before the role check too: a nurse gets the same answer to invalid input...
    const nurse = await asserting(staff('nurse', ORG));
    const asNurse = await graphql(service.url, CREATE, { input: invalid }, { headers: nurse });
    expect(asNurse.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    // ...and FORBIDDEN to valid input
    const valid = await graphql(service.url, CREATE, { input: { ...invalid, email: 'valid.nurse@hospital.test' } }, { headers: nurse });
    expect(valid.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('never writes passwords, tokens, secrets or emails to the log', () => {
    expect(logText).toContain('auth login_succeeded');
    expect(logText).toContain('auth client_token_issued');
    for (const secret of secrets) expect(logText).not.toContain(secret);
    expect(logText).not.toMatch(/@hospital\.test/i);
  });
});
