import { randomUUID } from 'node:crypto';
import { createLogger, generateAssertionKeyPair, generateSigningKeyPair, signAccessToken } from '@caregraph/platform';
import { Redis } from 'ioredis';
import { createGateway, type RunningGateway } from './gateway';

/*
 * Runs when REDIS_URL is set (CI sets it; jest.config.js collects *.redis.test.ts only then):
 * several gateway instances behind a load balancer must share one budget per caller.
 */
describe('rate limits shared by gateway instances through Redis (REDIS_URL)', () => {
  const logger = createLogger('gateway', 'silent');
  const keyPrefix = `caregraph-test-${randomUUID()}`;
  const budget = { user: { points: 3, durationSec: 60 } };
  const tokenKeys = generateSigningKeyPair();
  // one signed-in caller: the budget is theirs, wherever their requests land
  const token = signAccessToken(
    { kind: 'user', userId: randomUUID(), role: 'physician', organizationId: randomUUID(), patientId: null, sessionId: randomUUID() },
    { privateKey: tokenKeys.privateKey },
  );
  const clients: Redis[] = [];
  const gateways: RunningGateway[] = [];

  const start = async (shared: boolean) => {
    const client = shared ? new Redis(process.env.REDIS_URL!, { enableOfflineQueue: true }) : undefined;
    if (client) clients.push(client);
    const gateway = await createGateway({
      logger,
      port: 0,
      staticDir: false,
      assertionPrivateKey: (await generateAssertionKeyPair()).privateKeyPem,
      accessTokenPublicKey: tokenKeys.publicKey,
      rateLimit: { ...budget, ...(client ? { redisClient: client, keyPrefix } : { keyPrefix }) },
    });
    gateways.push(gateway);
    return gateway;
  };
  // answered by the gateway itself: no subgraph needed to count requests
  const ask = async (gateway: RunningGateway) =>
    fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token}` }, body: JSON.stringify({ query: '{ __typename }' }) }).then((r) => r.status);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    for (const client of clients) {
      const keys = await client.keys(`${keyPrefix}*`);
      if (keys.length) await client.del(...keys);
      client.disconnect();
    }
  });

  it('counts one caller across two instances against one budget', async () => {
    const a = await start(true);
    const b = await start(true);
    expect([await ask(a), await ask(a), await ask(b)]).toEqual([200, 200, 200]);
    // the budget of 3 is spent across both instances
    expect(await ask(b)).toBe(429);
    expect(await ask(a)).toBe(429);
  });

  it('without Redis an instance counts only what it saw itself (why REDIS_URL matters)', async () => {
    const alone = await start(false);
    expect([await ask(alone), await ask(alone), await ask(alone)]).toEqual([200, 200, 200]);
    expect(await ask(alone)).toBe(429);
  });
});
