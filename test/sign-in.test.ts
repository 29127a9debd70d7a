import { createIdentitySubgraph } from '@caregraph/identity';
import { createGateway } from '@caregraph/gateway';
import { createLogger, generateSigningKeyPair, signAccessToken, type RunningSubgraph } from '@caregraph/platform';
import { Client } from 'pg';
import { createTestDatabase } from './support/database';
import { graphql, startTestSubgraph, testAssertionKeys } from './support/services';

const ORG = '0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f';
const ME = '{ me { __typename ... on UserAccount { email role organizationId } } }';

/** Sign-in on the gateway's origin, and the token becoming the principal every subgraph sees. */
describe('sign-in through the gateway', () => {
  const tokenKeys = generateSigningKeyPair();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let identity: RunningSubgraph;
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  let userId: string;

  const sql = async <T>(query: string, params: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(query, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('sign_in');
    identity = await startTestSubgraph(createIdentitySubgraph({ signingKey: tokenKeys.privateKey, publicKey: tokenKeys.publicKey }), db.url);
    gateway = await createGateway({
      logger: createLogger('gateway', 'silent'),
      port: 0,
      subgraphUrls: { identity: identity.url },
      assertionPrivateKey: (await testAssertionKeys()).pair.privateKeyPem,
      accessTokenPublicKey: tokenKeys.publicKey,
      auditDatabaseUrl: db.url,
      rateLimit: false,
    });
    // an org admin creates the account, as in real life (through GraphQL, as that principal)
    const created = await graphql(identity.url, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { email: 'dr.who@hospital-a.test', password: 'a long enough password', role: 'PHYSICIAN', displayName: 'Dr Who' },
    }, { principal: { kind: 'user', userId: '00000000-0000-4000-8000-000000000001', role: 'org_admin', organizationId: ORG, patientId: null, sessionId: 's' } });
    expect(created.errors).toBeUndefined();
    userId = created.data.createUser.id;
  });
  afterAll(async () => {
    await gateway?.close();
    await identity?.close();
    await db?.drop();
  });

  const login = (password: string) =>
    fetch(`${gateway.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dr.who@hospital-a.test', password }) });

  it('signs in at /auth/login on the gateway and the token is the caller in every subgraph', async () => {
    const response = await login('a long enough password');
    expect(response.status).toBe(200);
    const { accessToken } = (await response.json()) as { accessToken: string };
    const me = await graphql(gateway.url, ME, {}, { authorization: `Bearer ${accessToken}` });
    expect(me.data).toEqual({ me: { __typename: 'UserAccount', email: 'dr.who@hospital-a.test', role: 'PHYSICIAN', organizationId: ORG } });
  });

  it('answers a wrong password with 401 and no hint', async () => {
    const response = await login('not the password at all');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_credentials' });
  });

  it('refuses a caller without a token with 401 (no identity, no data)', async () => {
    const me = await graphql(gateway.url, ME);
    expect(me.status).toBe(401);
    expect(me.data).toBeUndefined();
    expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['forged (signed with another key)', async () => signAccessToken({ kind: 'user', userId: '00000000-0000-4000-8000-000000000009', role: 'org_admin', organizationId: ORG, patientId: null, sessionId: 's' }, { privateKey: generateSigningKeyPair().privateKey })],
    ['expired', async () => signAccessToken({ kind: 'user', userId, role: 'physician', organizationId: ORG, patientId: null, sessionId: 's' }, { privateKey: tokenKeys.privateKey, now: Math.floor(Date.now() / 1000) - 3600 })],
    ['malformed', async () => 'not.a.jwt!'],
  ])('refuses a %s token with 401, no detail, and audits it', async (kind, token) => {
    const before = (await sql<{ n: string }>(`select count(*) as n from audit.event where service = 'gateway' and action = 'unauthenticated'`))[0].n;
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` }, body: JSON.stringify({ query: ME }) });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: 'Invalid or expired access token', extensions: { code: 'UNAUTHENTICATED' } }]);
    const after = (await sql<{ n: string }>(`select count(*) as n from audit.event where service = 'gateway' and action = 'unauthenticated'`))[0].n;
    expect(Number(after)).toBe(Number(before) + 1);
    expect(kind).toBeTruthy();
  });
});
