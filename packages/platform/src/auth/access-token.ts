import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, jwtVerify, errors as joseErrors, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { ROLES, type Principal, type Role } from '../context';

/**
 * Access tokens: short-lived ES256 JWTs issued by the identity service and verified by the
 * gateway (and anyone holding the public key or the JWKS). They carry who the caller is, never
 * PHI: ids, role and scopes only.
 */
export const ACCESS_TOKEN_ISSUER = 'caregraph-identity';
export const ACCESS_TOKEN_AUDIENCE = 'caregraph';
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;

/** A principal an access token can stand for (anonymous and system callers never get one). */
export type TokenPrincipal = Extract<Principal, { kind: 'user' } | { kind: 'client' }>;

/** Why a token was refused: for audit and metrics, never for the caller (they only see "invalid token"). */
export type AccessTokenErrorKind = 'missing' | 'malformed' | 'expired' | 'invalid_signature' | 'invalid_claims';

export class AccessTokenError extends Error {
  constructor(readonly kind: AccessTokenErrorKind) {
    // One message for every kind: a caller learns nothing about why its token was refused.
    super('Invalid access token');
    this.name = 'AccessTokenError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A PEM string or an already imported key. */
export type KeyInput = string | KeyObject;

/** An EC P-256 key pair as PEM strings (PKCS#8 private, SPKI public), for configuration and tests. */
export function generateSigningKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

/** PEMs passed through environment variables often arrive with literal `\n`: restore the newlines. */
function normalizePem(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}

function assertP256(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${what} must be an EC P-256 key (ES256)`);
  }
  return key;
}

/** Imports a PKCS#8 PEM private key (or passes a KeyObject through), checking it is P-256. */
export function importSigningKey(key: KeyInput): KeyObject {
  const imported = typeof key === 'string' ? createPrivateKey({ key: normalizePem(key), format: 'pem' }) : key;
  if (imported.type !== 'private') throw new Error('signing key must be a private key');
  return assertP256(imported, 'signing key');
}

/** Imports an SPKI PEM public key; a private key (PEM or KeyObject) yields its public half. */
export function importVerificationKey(key: KeyInput): KeyObject {
  const imported = typeof key === 'string' ? createPublicKey({ key: normalizePem(key), format: 'pem' }) : key.type === 'private' ? createPublicKey(key) : key;
  return assertP256(imported, 'verification key');
}

/** The public key as a JWK (with kid, use, alg) for `/.well-known/jwks.json`. */
export async function publicJwk(publicKey: KeyInput, keyId: string): Promise<JWK> {
  const jwk = await exportJWK(importVerificationKey(publicKey));
  return { ...jwk, kid: keyId, use: 'sig', alg: ACCESS_TOKEN_ALGORITHM };
}

export interface SignAccessTokenOptions {
  privateKey: KeyInput;
  ttlSeconds?: number;
  keyId?: string;
  /** Seconds since the epoch; tests use it to mint already-expired tokens. */
  now?: number;
}

/** Signs an access token for a user (sub, role, org, pid, sid) or a partner app (client_id, scope). */
export async function signAccessToken(principal: TokenPrincipal, options: SignAccessTokenOptions): Promise<string> {
  const key = importSigningKey(options.privateKey);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const ttl = options.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const claims: JWTPayload =
    principal.kind === 'user'
      ? { role: principal.role, org: principal.organizationId, pid: principal.patientId, sid: principal.sessionId }
      : { client_id: principal.clientId, org: principal.organizationId, scope: principal.scopes.join(' ') };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: 'at+jwt', ...(options.keyId ? { kid: options.keyId } : {}) })
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setSubject(principal.kind === 'user' ? principal.userId : principal.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .setJti(randomUUID())
    .sign(key);
}

export interface VerifyAccessTokenOptions {
  /** The identity service's public key (SPKI PEM or KeyObject)... */
  publicKey?: KeyInput;
  /** ...or its JWKS (`/.well-known/jwks.json`), when keys rotate. */
  jwks?: JSONWebKeySet;
  /** Allowed clock skew between services, seconds (default 5). */
  clockToleranceSeconds?: number;
  /** Seconds since the epoch, for tests. */
  now?: number;
}

const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
const optionalId = (value: unknown): value is string | null | undefined => value === undefined || value === null || typeof value === 'string';

function principalFrom(payload: JWTPayload): TokenPrincipal {
  const { sub } = payload;
  if (typeof sub !== 'string' || !sub) throw new AccessTokenError('invalid_claims');
  if (payload.client_id !== undefined) {
    const { client_id: clientId, scope, org } = payload as JWTPayload & { client_id: unknown; scope?: unknown; org?: unknown };
    if (typeof clientId !== 'string' || clientId !== sub || (scope !== undefined && typeof scope !== 'string') || !optionalId(org)) {
      throw new AccessTokenError('invalid_claims');
    }
    return { kind: 'client', clientId, organizationId: org ?? null, scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [] };
  }
  const { role, org, pid, sid } = payload as JWTPayload & { role?: unknown; org?: unknown; pid?: unknown; sid?: unknown };
  if (!isRole(role) || typeof sid !== 'string' || !sid || !optionalId(org) || !optionalId(pid)) throw new AccessTokenError('invalid_claims');
  return { kind: 'user', userId: sub, role, organizationId: org ?? null, patientId: pid ?? null, sessionId: sid };
}

/**
 * Verifies signature (ES256 only: `alg: none` and HMAC confusion are refused), issuer, audience
 * and expiry, and returns the principal the token stands for. Every failure is an
 * AccessTokenError whose `kind` says why (for audit) and whose message does not.
 */
export async function verifyAccessToken(token: string | null | undefined, options: VerifyAccessTokenOptions): Promise<TokenPrincipal> {
  if (!token) throw new AccessTokenError('missing');
  if (token.length > 8192 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw new AccessTokenError('malformed');
  const verifyOptions = {
    algorithms: [ACCESS_TOKEN_ALGORITHM],
    issuer: ACCESS_TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    clockTolerance: options.clockToleranceSeconds ?? 5,
    requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    ...(options.now !== undefined ? { currentDate: new Date(options.now * 1000) } : {}),
  };
  let payload: JWTPayload;
  try {
    if (options.jwks) {
      ({ payload } = await jwtVerify(token, createLocalJWKSet(options.jwks), verifyOptions));
    } else if (options.publicKey) {
      ({ payload } = await jwtVerify(token, importVerificationKey(options.publicKey), verifyOptions));
    } else {
      throw new Error('verifyAccessToken needs a publicKey or a jwks');
    }
  } catch (error) {
    throw new AccessTokenError(classify(error));
  }
  return principalFrom(payload);
}

function classify(error: unknown): AccessTokenErrorKind {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return 'invalid_claims';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) return 'invalid_signature';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'invalid_signature';
  if (error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JOSENotSupported) return 'malformed';
  if (error instanceof Error && error.message.startsWith('verifyAccessToken needs')) throw error;
  return 'malformed';
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}
