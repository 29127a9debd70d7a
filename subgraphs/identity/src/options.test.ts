import { generateSigningKeyPair } from '@caregraph/platform';
import { identityOptionsFromEnv, resolveIdentityOptions } from './options';

describe('identity configuration', () => {
  const keys = generateSigningKeyPair();

  it('reads keys (with escaped newlines) and limits from the environment, with defaults', () => {
    const options = resolveIdentityOptions(identityOptionsFromEnv({ AUTH_SIGNING_KEY: keys.privateKey.replace(/\n/g, '\\n'), LOGIN_MAX_FAILURES: '7' }));
    expect(options).toMatchObject({ keyId: 'caregraph-1', accessTokenTtlSeconds: 300, sessionIdleMinutes: 15, sessionMaxHours: 12, loginMaxFailures: 7, lockoutMinutes: 15 });
    expect(options.publicKey.export({ type: 'spki', format: 'pem' })).toBe(keys.publicKey);
  });

  it('refuses a missing signing key or a public key that does not match, naming the variable not the value', () => {
    expect(() => identityOptionsFromEnv({})).toThrow(/AUTH_SIGNING_KEY/);
    const other = generateSigningKeyPair();
    expect(() => resolveIdentityOptions(identityOptionsFromEnv({ AUTH_SIGNING_KEY: keys.privateKey, AUTH_PUBLIC_KEY: other.publicKey }))).toThrow(/AUTH_PUBLIC_KEY/);
    expect(() => identityOptionsFromEnv({ AUTH_SIGNING_KEY: keys.privateKey, SESSION_IDLE_MINUTES: 'soon' })).toThrow(/SESSION_IDLE_MINUTES/);
    const error = (() => { try { resolveIdentityOptions({ signingKey: 'not a pem' }); } catch (e) { return e as Error; } return undefined; })();
    expect(error?.message).toEqual(expect.any(String));
    expect(error!.message).not.toContain('not a pem');
  });
});
