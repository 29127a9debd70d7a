import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import {
  AccessTokenError, bearerToken, generateSigningKeyPair, importVerificationKey, publicJwk, signAccessToken, verifyAccessToken,
  type TokenPrincipal,
} from './access-token';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

/** Signs arbitrary header + claims with the given private key (ES256, JOSE signature format). */
function forge(header: object, claims: object, privateKey: string): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  const signature = createSign('SHA256').update(input).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

async function expectRefused(promise: Promise<unknown>, kind: AccessTokenError['kind']) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AccessTokenError);
  expect((error as AccessTokenError).kind).toBe(kind);
  expect((error as AccessTokenError).message).toBe('Invalid access token');
}

describe('access tokens', () => {
  const keys = generateSigningKeyPair();
  const other = generateSigningKeyPair();
  const user: TokenPrincipal = {
    kind: 'user', userId: '6f1c1f44-38e4-4b39-a1e7-0c2f0d1e6a01', role: 'physician',
    organizationId: '1e2d3c4b-5a69-4788-97a6-b5c4d3e2f100', patientId: null, sessionId: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
  };
  const client: TokenPrincipal = { kind: 'client', clientId: 'partner-app', organizationId: null, scopes: ['system/Claim.read', 'patient/*.read'] };

  it('round-trips a user principal with the documented claims and a 5 minute default lifetime', async () => {
    const token = await signAccessToken(user, { privateKey: keys.privateKey, keyId: 'k1' });
    const claims = decode(token);
    expect(claims).toMatchObject({ iss: 'caregraph-identity', aud: 'caregraph', sub: user.userId, role: 'physician', org: user.organizationId, pid: null, sid: user.sessionId });
    expect(claims.exp - claims.iat).toBe(300);
    expect(typeof claims.jti).toBe('string');
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'k1' });
    await expect(verifyAccessToken(token, { publicKey: keys.publicKey })).resolves.toEqual(user);
  });

  it('round-trips a client principal with client_id and space-separated scope', async () => {
    const token = await signAccessToken(client, { privateKey: keys.privateKey });
    expect(decode(token)).toMatchObject({ sub: 'partner-app', client_id: 'partner-app', scope: 'system/Claim.read patient/*.read' });
    await expect(verifyAccessToken(token, { publicKey: keys.publicKey })).resolves.toEqual(client);
  });

  it('verifies against a JWKS and accepts PEMs with escaped newlines (environment variables)', async () => {
    const token = await signAccessToken(user, { privateKey: keys.privateKey.replace(/\n/g, '\\n'), keyId: 'k1' });
    const jwks = { keys: [await publicJwk(keys.publicKey, 'k1')] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k1', use: 'sig', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    await expect(verifyAccessToken(token, { jwks })).resolves.toEqual(user);
    const otherJwks = { keys: [await publicJwk(other.publicKey, 'k2')] };
    await expectRefused(verifyAccessToken(token, { jwks: otherJwks }), 'invalid_signature');
  });

  it('refuses an expired token', async () => {
    const token = await signAccessToken(user, { privateKey: keys.privateKey, ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 });
    await expectRefused(verifyAccessToken(token, { publicKey: keys.publicKey }), 'expired');
  });

  it('refuses a token signed with another key (forged)', async () => {
    const token = await signAccessToken(user, { privateKey: other.privateKey });
    await expectRefused(verifyAccessToken(token, { publicKey: keys.publicKey }), 'invalid_signature');
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = await signAccessToken(user, { privateKey: keys.privateKey });
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${b64url({ ...decode(token), role: 'org_admin' })}.${signature}`;
    await expectRefused(verifyAccessToken(tampered, { publicKey: keys.publicKey }), 'invalid_signature');
  });

  it('refuses the wrong audience or issuer even when correctly signed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: user.userId, role: 'physician', sid: user.sessionId, iat: now, exp: now + 60, jti: 'x' };
    const wrongAudience = forge({ alg: 'ES256' }, { ...base, iss: 'caregraph-identity', aud: 'someone-else' }, keys.privateKey);
    await expectRefused(verifyAccessToken(wrongAudience, { publicKey: keys.publicKey }), 'invalid_claims');
    const wrongIssuer = forge({ alg: 'ES256' }, { ...base, iss: 'evil', aud: 'caregraph' }, keys.privateKey);
    await expectRefused(verifyAccessToken(wrongIssuer, { publicKey: keys.publicKey }), 'invalid_claims');
    const good = forge({ alg: 'ES256' }, { ...base, iss: 'caregraph-identity', aud: 'caregraph' }, keys.privateKey);
    await expect(verifyAccessToken(good, { publicKey: keys.publicKey })).resolves.toMatchObject({ kind: 'user', userId: user.userId });
  });

  it('refuses alg none and an HMAC token keyed with the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'caregraph-identity', aud: 'caregraph', sub: user.userId, role: 'org_admin', sid: 's', iat: now, exp: now + 60, jti: 'x' };
    const unsigned = `${b64url({ alg: 'none' })}.${b64url(claims)}.`;
    await expectRefused(verifyAccessToken(unsigned, { publicKey: keys.publicKey }), 'invalid_signature');
    const input = `${b64url({ alg: 'HS256' })}.${b64url(claims)}`;
    const hmac = `${input}.${createHmac('sha256', keys.publicKey).update(input).digest('base64url')}`;
    await expectRefused(verifyAccessToken(hmac, { publicKey: keys.publicKey }), 'invalid_signature');
  });

  it('refuses missing, malformed and claim-less tokens', async () => {
    await expectRefused(verifyAccessToken(undefined, { publicKey: keys.publicKey }), 'missing');
    await expectRefused(verifyAccessToken('', { publicKey: keys.publicKey }), 'missing');
    await expectRefused(verifyAccessToken('not a token', { publicKey: keys.publicKey }), 'malformed');
    await expectRefused(verifyAccessToken('a.b.c', { publicKey: keys.publicKey }), 'malformed');
    const now = Math.floor(Date.now() / 1000);
    const unknownRole = forge({ alg: 'ES256' }, { iss: 'caregraph-identity', aud: 'caregraph', sub: 'u', role: 'superuser', sid: 's', iat: now, exp: now + 60, jti: 'x' }, keys.privateKey);
    await expectRefused(verifyAccessToken(unknownRole, { publicKey: keys.publicKey }), 'invalid_claims');
    const noExpiry = forge({ alg: 'ES256' }, { iss: 'caregraph-identity', aud: 'caregraph', sub: 'u', role: 'nurse', sid: 's', iat: now, jti: 'x' }, keys.privateKey);
    await expectRefused(verifyAccessToken(noExpiry, { publicKey: keys.publicKey }), 'invalid_claims');
  });

  it('rejects keys that are not P-256 and reads bearer headers', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    expect(() => importVerificationKey(rsa.publicKey)).toThrow(/P-256/);
    expect(importVerificationKey(keys.privateKey).type).toBe('public');
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  xyz ')).toBe('xyz');
    expect(bearerToken('Basic Zm9vOmJhcg==')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
