import { SignJWT, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { ROLES, type Principal } from '../context';

/**
 * How a subgraph learns who is asking. The gateway verifies the caller's token, then sends each
 * subgraph a short-lived assertion of the principal, signed with the gateway's key and bound to
 * that subgraph as audience. A subgraph trusts nothing else: plain headers such as x-user-id are
 * ignored, and a request without a valid assertion (including `_entities` and `_service`) gets 401.
 */
export const ASSERTION_HEADER = 'x-caregraph-assertion';
const ISSUER = 'caregraph-gateway';
const ALGORITHM = 'ES256';
/** Long enough for one federated request; useless soon after if captured. */
export const ASSERTION_TTL_SECONDS = 60;
/**
 * The longest an assertion may live: one signed for a live connection (Socket.IO) lasts until the
 * caller's access token expires, so the subgraph can keep asking the access policy for that caller.
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

export interface AssertionKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A fresh ES256 key pair as PEM (PKCS8 private, SPKI public), e.g. for the launcher or a test. */
export async function generateAssertionKeyPair(): Promise<AssertionKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  return { privateKeyPem: await exportPKCS8(privateKey), publicKeyPem: await exportSPKI(publicKey) };
}

export class InvalidAssertionError extends Error {
  constructor(readonly reason: 'missing' | 'invalid') {
    super(reason === 'missing' ? 'no identity assertion' : 'identity assertion rejected');
    this.name = 'InvalidAssertionError';
  }
}

/** Signs assertions for every subgraph (gateway side). */
export class AssertionSigner {
  private constructor(private readonly key: CryptoKey) {}

  static async fromPem(privateKeyPem: string): Promise<AssertionSigner> {
    return new AssertionSigner(await importPKCS8(privateKeyPem, ALGORITHM));
  }

  /**
   * `audience`: the subgraph, plus ACCESS_POLICY_AUDIENCE when it may pass the assertion on to the access policy.
   * `expiresAt` (seconds since the epoch): for a live connection, the caller's access token expiry
   * (at most MAX_ASSERTION_LIFETIME_SECONDS away); default ASSERTION_TTL_SECONDS from now.
   */
  sign(principal: Principal, audience: string | string[], requestId: string, options: { expiresAt?: number } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = options.expiresAt === undefined ? now + ASSERTION_TTL_SECONDS : Math.min(options.expiresAt, now + MAX_ASSERTION_LIFETIME_SECONDS);
    return new SignJWT({ principal, rid: requestId })
      .setProtectedHeader({ alg: ALGORITHM })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(this.key);
  }
}

function isPrincipal(value: unknown): value is Principal {
  const p = value as Partial<Principal & Record<string, unknown>> | undefined;
  switch (p?.kind) {
    case 'anonymous':
      return false; // the gateway refuses callers without a token; so does every subgraph
    case 'system':
      return false; // internal jobs never arrive over HTTP
    case 'user':
      return typeof p.userId === 'string' && ROLES.includes(p.role as never) && typeof p.sessionId === 'string';
    case 'client':
      return typeof p.clientId === 'string' && Array.isArray(p.scopes);
    default:
      return false;
  }
}

/** Verifies assertions addressed to one subgraph (subgraph side). */
export class AssertionVerifier {
  private constructor(private readonly key: CryptoKey, private readonly audience: string) {}

  static async fromPem(publicKeyPem: string, audience: string): Promise<AssertionVerifier> {
    return new AssertionVerifier(await importSPKI(publicKeyPem, ALGORITHM), audience);
  }

  /** The principal, the gateway's request id, and when the assertion expires (seconds since the epoch). */
  async verify(token: string | undefined): Promise<{ principal: Principal; requestId: string | undefined; expiresAt: number }> {
    if (!token) throw new InvalidAssertionError('missing');
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER, audience: this.audience, algorithms: [ALGORITHM], requiredClaims: ['exp', 'iat'], maxTokenAge: `${MAX_ASSERTION_LIFETIME_SECONDS}s`,
      });
      if (!isPrincipal(payload.principal)) throw new Error('malformed principal');
      return { principal: payload.principal, requestId: typeof payload.rid === 'string' ? payload.rid : undefined, expiresAt: payload.exp! };
    } catch {
      throw new InvalidAssertionError('invalid');
    }
  }
}
