import { decodeJwt } from 'jose';
import { ASSERTION_TTL_SECONDS, AssertionSigner, AssertionVerifier, MAX_ASSERTION_LIFETIME_SECONDS, generateAssertionKeyPair } from './internal-assertion';
import type { Principal } from '../context';

const nurse: Principal = { kind: 'user', userId: 'u-1', role: 'nurse', organizationId: 'o-1', patientId: null, sessionId: 's-1' };

describe('gateway assertions', () => {
  let signer: AssertionSigner;
  let verifier: AssertionVerifier;
  beforeAll(async () => {
    const pair = await generateAssertionKeyPair();
    signer = await AssertionSigner.fromPem(pair.privateKeyPem);
    verifier = await AssertionVerifier.fromPem(pair.publicKeyPem, 'messaging');
  });
  const lifetime = (token: string) => {
    const { iat, exp } = decodeJwt(token);
    return exp! - iat!;
  };

  it('lives 60 s for a request, and until the access token expires (at most an hour) for a live connection', async () => {
    expect(lifetime(await signer.sign(nurse, 'messaging', 'r1'))).toBe(ASSERTION_TTL_SECONDS);
    const now = Math.floor(Date.now() / 1000);
    expect(lifetime(await signer.sign(nurse, 'messaging', 'r2', { expiresAt: now + 300 }))).toBeGreaterThanOrEqual(299);
    expect(lifetime(await signer.sign(nurse, 'messaging', 'r3', { expiresAt: now + 86_400 }))).toBe(MAX_ASSERTION_LIFETIME_SECONDS);
  });

  it('verifies to the principal, the request id and the expiry; refuses one already expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verifier.verify(await signer.sign(nurse, 'messaging', 'r4', { expiresAt: now + 120 }))).resolves.toEqual({ principal: nurse, requestId: 'r4', expiresAt: now + 120 });
    await expect(verifier.verify(await signer.sign(nurse, 'messaging', 'r5', { expiresAt: now - 1 }))).rejects.toThrow('identity assertion rejected');
  });
});
