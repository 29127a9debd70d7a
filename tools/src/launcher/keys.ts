import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateAssertionKeyPair, type AssertionKeyPair } from '@caregraph/platform';

/**
 * The gateway's assertion key pair for this installation, created on first start in
 * DATA_DIR/keys (private key readable by the owner only) and reused afterwards. Deployments
 * pass their own through GATEWAY_ASSERTION_PRIVATE_KEY / GATEWAY_ASSERTION_PUBLIC_KEY.
 */
export async function loadOrCreateAssertionKeys(dataDir: string): Promise<AssertionKeyPair> {
  const folder = path.join(dataDir, 'keys');
  const privateFile = path.join(folder, 'gateway-assertion.key.pem');
  const publicFile = path.join(folder, 'gateway-assertion.pub.pem');
  if (existsSync(privateFile) && existsSync(publicFile)) {
    return { privateKeyPem: readFileSync(privateFile, 'utf8'), publicKeyPem: readFileSync(publicFile, 'utf8') };
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const pair = await generateAssertionKeyPair();
  writeFileSync(privateFile, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(publicFile, pair.publicKeyPem, { mode: 0o644 });
  return pair;
}
