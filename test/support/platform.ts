import { billingSubgraph } from '@caregraph/billing';
import { clinicalSubgraph } from '@caregraph/clinical';
import { createGateway } from '@caregraph/gateway';
import { messagingSubgraph } from '@caregraph/messaging';
import { patientsSubgraph } from '@caregraph/patients';
import { createLogger, generateSigningKeyPair, signAccessToken, type Principal, type RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from './database';
import { startTestSubgraph, testAssertionKeys } from './services';

type TokenPrincipal = Extract<Principal, { kind: 'user' | 'client' }>;

let signingKeys: { privateKey: string; publicKey: string } | undefined;

/** The identity key pair of this test file: gateways started here trust it, `tokenFor()` signs with it. */
export function testAccessTokenKeys(): { privateKey: string; publicKey: string } {
  signingKeys ??= generateSigningKeyPair();
  return signingKeys;
}

/** An access token for `principal`, as the identity service would issue it after sign-in. */
export function tokenFor(principal: TokenPrincipal, options: { ttlSeconds?: number; now?: number } = {}): Promise<string> {
  return signAccessToken(principal, { privateKey: testAccessTokenKeys().privateKey, ...options });
}

/** `Authorization: Bearer …` for `principal`. */
export async function bearer(principal: TokenPrincipal): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(principal)}` };
}

export interface TestPlatform {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  subgraphs: Record<'patients' | 'clinical' | 'billing' | 'messaging', RunningSubgraph>;
  gateway: Awaited<ReturnType<typeof createGateway>>;
  close(): Promise<void>;
}

/**
 * The four data subgraphs and a gateway on a fresh database, wired as `npm start` wires them
 * (gateway assertions, access tokens, audit), rate limits off. `prepare` runs on the database
 * before the services start (e.g. a FHIR import).
 */
export async function startTestPlatform(label: string, prepare?: (databaseUrl: string) => Promise<void>): Promise<TestPlatform> {
  const db = await createTestDatabase(label);
  await prepare?.(db.url);
  const patients = await startTestSubgraph(patientsSubgraph, db.url); // first: the access policy the others ask
  const [clinical, billing, messaging] = await Promise.all([
    startTestSubgraph(clinicalSubgraph, db.url),
    startTestSubgraph(billingSubgraph, db.url),
    startTestSubgraph(messagingSubgraph, db.url),
  ]);
  const subgraphs = { patients, clinical, billing, messaging };
  const gateway = await createGateway({
    logger: createLogger('gateway', process.env.LOG_LEVEL ?? 'silent'),
    port: 0,
    assertionPrivateKey: (await testAssertionKeys()).pair.privateKeyPem,
    accessTokenPublicKey: testAccessTokenKeys().publicKey,
    auditDatabaseUrl: db.url,
    rateLimit: false,
    subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, service]) => [name, service.url])),
  });
  return {
    db,
    subgraphs,
    gateway,
    close: async () => {
      await gateway.close();
      await Promise.all(Object.values(subgraphs).map((service) => service.close()));
      await db.drop();
    },
  };
}
