import type { Writable } from 'node:stream';
import { createGateway, type RunningGateway } from '@caregraph/gateway';
import { createIdentitySubgraph } from '@caregraph/identity';
import { createMessagingSubgraph, type MessagingOptions, type MessagingSubgraph } from '@caregraph/messaging';
import { patientsSubgraph } from '@caregraph/patients';
import { createLogger, type RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from './database';
import { testAccessTokenKeys } from './platform';
import { startTestSubgraph, testAssertionKeys } from './services';

/** What a live client meets: the gateway (/graphql, /auth, /socket.io), messaging, identity, and patients deciding access. */
export interface LiveStack {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  patients: RunningSubgraph;
  identity: RunningSubgraph;
  /** The messaging definition (its liveServer()), as `messaging` runs it. */
  messagingDefinition: MessagingSubgraph;
  messaging: RunningSubgraph;
  gateway: RunningGateway;
  close(): Promise<void>;
}

/**
 * Starts the servers on a fresh test database `name`; access tokens from tokenFor (support/platform)
 * are valid at the gateway. Gateway and messaging log at debug level to `logs` when given.
 */
export async function startLiveStack(name: string, options: { logs?: Writable; messaging?: MessagingOptions } = {}): Promise<LiveStack> {
  const stack: Partial<LiveStack> = {};
  const close = async () => {
    await stack.gateway?.close();
    await stack.messaging?.close();
    await stack.identity?.close();
    await stack.patients?.close();
    await stack.db?.drop();
  };
  const logger = (service: string) => (options.logs ? createLogger(service, 'debug', options.logs) : createLogger(service, process.env.LOG_LEVEL ?? 'silent'));
  try {
    const db = (stack.db = await createTestDatabase(name));
    stack.patients = await startTestSubgraph(patientsSubgraph, db.url);
    const tokenKeys = testAccessTokenKeys();
    stack.identity = await startTestSubgraph(createIdentitySubgraph({ signingKey: tokenKeys.privateKey, publicKey: tokenKeys.publicKey }), db.url);
    stack.messagingDefinition = createMessagingSubgraph(options.messaging);
    stack.messaging = await startTestSubgraph(stack.messagingDefinition, db.url, { logger: logger('messaging') });
    stack.gateway = await createGateway({
      logger: logger('gateway'),
      port: 0,
      staticDir: false,
      assertionPrivateKey: (await testAssertionKeys()).pair.privateKeyPem,
      accessTokenPublicKey: tokenKeys.publicKey,
      auditDatabaseUrl: db.url,
      rateLimit: false,
      subgraphUrls: { patients: stack.patients.url, messaging: stack.messaging.url, identity: stack.identity.url },
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { ...(stack as Omit<LiveStack, 'close'>), close };
}
