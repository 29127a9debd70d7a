import { SignJWT, importPKCS8 } from 'jose';
import { Client } from 'pg';
import { messagingSubgraph } from '@caregraph/messaging';
import { ASSERTION_HEADER, AssertionSigner, generateAssertionKeyPair, type RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from './support/database';
import { startTestSubgraph, testAssertionKeys } from './support/services';

/** Subgraphs serve only what the gateway vouches for: an assertion it signed, addressed to them. */
describe('gateway → subgraph trust boundary', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  const anonymous = { kind: 'anonymous' } as const;

  beforeAll(async () => {
    db = await createTestDatabase('trust');
    service = await startTestSubgraph(messagingSubgraph, db.url);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const unauthenticatedAudits = async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(`select service, request_id, outcome, actor_type from audit.event where action = 'unauthenticated' order by id`)).rows;
    } finally {
      await client.end();
    }
  };

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  const operations = {
    query: { query: '{ chartComment(id: "00000000-0000-4000-8000-000000000000") { id } }' },
    _entities: { query: 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }', variables: { r: [{ __typename: 'Patient', id: '00000000-0000-4000-8000-000000000000' }] } },
    _service: { query: '{ _service { sdl } }' },
  };

  it.each(Object.entries(operations))('refuses %s without an assertion: 401, no data', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBe(401);
    const json = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(json.data).toBeUndefined();
    expect(json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('ignores forged plain identity headers, and audits the attempt', async () => {
    const before = await unauthenticatedAudits();
    const response = await post(operations.query, { 'x-user-id': 'admin', 'x-role': 'org_admin', authorization: 'Bearer whatever', 'x-request-id': 'forged-1' });
    expect(response.status).toBe(401);
    const after = await unauthenticatedAudits();
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)).toMatchObject({ service: 'messaging', request_id: 'forged-1', outcome: 'denied', actor_type: 'anonymous' });
  });

  it('serves an assertion from the gateway key addressed to this subgraph', async () => {
    const { signer } = await testAssertionKeys();
    const response = await post(operations._service, { [ASSERTION_HEADER]: await signer.sign(anonymous, 'messaging', 'r1') });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { _service: { sdl: string } } }).data._service.sdl).toContain('ChartComment');
  });

  it('refuses an assertion addressed to another subgraph (replay across audiences)', async () => {
    const { signer } = await testAssertionKeys();
    const response = await post(operations.query, { [ASSERTION_HEADER]: await signer.sign(anonymous, 'clinical', 'r2') });
    expect(response.status).toBe(401);
  });

  it('refuses an assertion signed with any other key', async () => {
    const forger = await AssertionSigner.fromPem((await generateAssertionKeyPair()).privateKeyPem);
    const response = await post(operations.query, { [ASSERTION_HEADER]: await forger.sign(anonymous, 'messaging', 'r3') });
    expect(response.status).toBe(401);
  });

  it('refuses an expired assertion', async () => {
    const { pair } = await testAssertionKeys();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ principal: anonymous })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer('caregraph-gateway').setAudience('messaging')
      .setIssuedAt(now - 120).setExpirationTime(now - 60)
      .sign(await importPKCS8(pair.privateKeyPem, 'ES256'));
    expect((await post(operations.query, { [ASSERTION_HEADER]: expired })).status).toBe(401);
  });

  it('refuses a "system" principal over HTTP (internal jobs never arrive by request)', async () => {
    const { signer } = await testAssertionKeys();
    const response = await post(operations.query, { [ASSERTION_HEADER]: await signer.sign({ kind: 'system', purpose: 'x' }, 'messaging', 'r4') });
    expect(response.status).toBe(401);
  });
});
