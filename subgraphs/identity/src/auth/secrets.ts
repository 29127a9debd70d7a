import { createHash, randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';
import { badInput } from '@caregraph/platform';

/** argon2id at OWASP's recommended minimum (19 MiB, 2 passes): about 40 ms per hash here. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashSecret(secret: string): Promise<string> {
  return argon2.hash(secret, ARGON2_OPTIONS);
}

export async function verifySecret(hash: string, secret: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, secret);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the same time as checking a real password, for unknown emails/clients: the response
 * must not reveal whether an account exists.
 */
export async function verifyAgainstDummy(secret: string): Promise<false> {
  dummyHash ??= hashSecret(randomBytes(16).toString('hex'));
  await verifySecret(await dummyHash, secret);
  return false;
}

/** Opaque random token (refresh tokens, client secrets). */
export const randomToken = (prefix: string, bytes = 32) => `${prefix}${randomBytes(bytes).toString('base64url')}`;

/** Refresh tokens are high-entropy, so a fast hash is enough (and lets us look them up). */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Password policy: 12 to 256 characters, not only whitespace. Throws BAD_USER_INPUT on `field`. */
export function checkPasswordPolicy(password: string, field = 'password'): void {
  if (typeof password !== 'string' || [...password].length < PASSWORD_MIN_LENGTH) {
    throw badInput(field, `${field} must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) throw badInput(field, `${field} must be at most ${PASSWORD_MAX_LENGTH} characters`);
  if (!password.trim()) throw badInput(field, `${field} must not be blank`);
}

/** SMART-style scopes we hand out: `patient/*.read`, `system/Claim.read`, `user/Observation.read`. */
export const SCOPE_PATTERN = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.(read|write|\*)$/;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
