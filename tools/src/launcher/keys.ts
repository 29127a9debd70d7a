import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateAssertionKeyPair, type AssertionKeyPair } from '@caregraph/platform';

/**
 * An ES256 key pair of this installation, created on first start in DATA_DIR/keys (the private
 * key readable by the owner only) and reused afterwards, so tokens survive a restart.
 * Deployments pass their own keys through the environment instead.
 */
async function loadOrCreateKeyPair(dataDir: string, name: string): Promise<AssertionKeyPair> {
  const folder = path.join(dataDir, 'keys');
  const privateFile = path.join(folder, `${name}.key.pem`);
  const publicFile = path.join(folder, `${name}.pub.pem`);
  if (existsSync(privateFile) && existsSync(publicFile)) {
    return { privateKeyPem: readFileSync(privateFile, 'utf8'), publicKeyPem: readFileSync(publicFile, 'utf8') };
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const pair = await generateAssertionKeyPair();
  writeFileSync(privateFile, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(publicFile, pair.publicKeyPem, { mode: 0o644 });
  return pair;
}

export interface PlatformKeys {
  /** The gateway signs subgraph assertions with it (GATEWAY_ASSERTION_PRIVATE_KEY / _PUBLIC_KEY). */
  gatewayAssertion: AssertionKeyPair;
  /** The identity service signs access tokens with it (AUTH_SIGNING_KEY / AUTH_PUBLIC_KEY). */
  accessToken: AssertionKeyPair;
}

function fromEnv(privateVariable: string, publicVariable: string): AssertionKeyPair | undefined {
  const privateKeyPem = process.env[privateVariable];
  const publicKeyPem = process.env[publicVariable];
  return privateKeyPem && publicKeyPem ? { privateKeyPem, publicKeyPem } : undefined;
}

export async function loadPlatformKeys(dataDir: string): Promise<PlatformKeys> {
  return {
    gatewayAssertion: fromEnv('GATEWAY_ASSERTION_PRIVATE_KEY', 'GATEWAY_ASSERTION_PUBLIC_KEY') ?? (await loadOrCreateKeyPair(dataDir, 'gateway-assertion')),
    accessToken: fromEnv('AUTH_SIGNING_KEY', 'AUTH_PUBLIC_KEY') ?? (await loadOrCreateKeyPair(dataDir, 'access-token')),
  };
}
