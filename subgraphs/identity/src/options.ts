import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DEFAULT_ACCESS_TOKEN_TTL_SECONDS, importSigningKey, importVerificationKey, loadConfig, num, str, type KeyInput } from '@caregraph/platform';
import type { AuthEventSink } from './auth/auth-events';

/** What the identity service needs besides its database. */
export interface IdentityOptions {
  /** PKCS#8 PEM (or KeyObject) of the ES256 key that signs access tokens. */
  signingKey: KeyInput;
  /** SPKI PEM of its public half; derived from signingKey when omitted. */
  publicKey?: KeyInput;
  /** `kid` of the key in tokens and the JWKS. */
  keyId?: string;
  accessTokenTtlSeconds?: number;
  sessionIdleMinutes?: number;
  sessionMaxHours?: number;
  /** Consecutive failed sign-ins before the account locks. */
  loginMaxFailures?: number;
  lockoutMinutes?: number;
  /** Issuer name shown in authenticator apps. */
  totpIssuer?: string;
  /** Where sign-in events go (default: one pino line each, without PHI). */
  events?: AuthEventSink;
}

/** IdentityOptions with defaults applied and keys imported. */
export interface ResolvedIdentityOptions {
  signingKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  accessTokenTtlSeconds: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  loginMaxFailures: number;
  lockoutMinutes: number;
  totpIssuer: string;
  events?: AuthEventSink;
}

export function resolveIdentityOptions(options: IdentityOptions): ResolvedIdentityOptions {
  const signingKey = importSigningKey(options.signingKey);
  const publicKey = importVerificationKey(options.publicKey ?? signingKey);
  const derived = importVerificationKey(signingKey);
  if (!publicKey.equals(derived)) throw new Error('AUTH_PUBLIC_KEY is not the public half of AUTH_SIGNING_KEY');
  const positive = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
    return v;
  };
  return {
    signingKey,
    publicKey,
    keyId: options.keyId ?? randomUUID(),
    accessTokenTtlSeconds: positive('accessTokenTtlSeconds', options.accessTokenTtlSeconds, DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    sessionIdleMinutes: positive('sessionIdleMinutes', options.sessionIdleMinutes, 15),
    sessionMaxHours: positive('sessionMaxHours', options.sessionMaxHours, 12),
    loginMaxFailures: positive('loginMaxFailures', options.loginMaxFailures, 5),
    lockoutMinutes: positive('lockoutMinutes', options.lockoutMinutes, 15),
    totpIssuer: options.totpIssuer ?? 'caregraph',
    events: options.events,
  };
}

/** The identity service's settings, validated (envalid via platform loadConfig). */
export const identityConfigSpec = {
  AUTH_SIGNING_KEY: str({ desc: 'PKCS#8 PEM of the ES256 (P-256) key that signs access tokens; \\n escapes allowed' }),
  AUTH_PUBLIC_KEY: str({ default: undefined, desc: 'SPKI PEM of its public key (derived when unset)' }),
  AUTH_KEY_ID: str({ default: 'caregraph-1', desc: 'kid of the signing key in tokens and the JWKS' }),
  ACCESS_TOKEN_TTL_SECONDS: num({ default: DEFAULT_ACCESS_TOKEN_TTL_SECONDS, desc: 'access token lifetime' }),
  SESSION_IDLE_MINUTES: num({ default: 15, desc: 'a session not refreshed for this long ends' }),
  SESSION_MAX_HOURS: num({ default: 12, desc: 'absolute session lifetime' }),
  LOGIN_MAX_FAILURES: num({ default: 5, desc: 'consecutive failed sign-ins before the account locks' }),
  LOGIN_LOCKOUT_MINUTES: num({ default: 15, desc: 'how long a locked account stays locked' }),
  TOTP_ISSUER: str({ default: 'caregraph', desc: 'issuer shown in authenticator apps' }),
};

export function identityOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): IdentityOptions {
  const config = loadConfig(identityConfigSpec, env);
  return {
    signingKey: config.AUTH_SIGNING_KEY,
    publicKey: config.AUTH_PUBLIC_KEY,
    keyId: config.AUTH_KEY_ID,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    sessionIdleMinutes: config.SESSION_IDLE_MINUTES,
    sessionMaxHours: config.SESSION_MAX_HOURS,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    lockoutMinutes: config.LOGIN_LOCKOUT_MINUTES,
    totpIssuer: config.TOTP_ISSUER,
  };
}
