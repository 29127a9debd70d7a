import { SignJWT, importPKCS8 } from 'jose';
import { messagingSubgraph } from '@caregraph/messaging';
import { patientsSubgraph } from '@caregraph/patients';
import {
  ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, AssertionSigner, MAX_ACCESS_BATCH, accessDecisionsUrl, generateAssertionKeyPair,
  type Principal, type RunningSubgraph,
} from '@caregraph/platform';
import { createTestDatabase } from './support/database';
import { insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from './support/principals';
import { startTestSubgraph, testAssertionKeys } from './support/services';

/**
 * Subgraphs serve only what the gateway vouches for: an assertion it signed, addressed to them,
 * of a signed-in principal. The patients subgraph's access policy endpoint is held to the same
 * rule, with its own audience: other subgraphs forward the assertion they received, so the
 * policy decides for the caller the gateway vouched for.
 */
describe('gateway → subgraph trust boundary', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph; // messaging: a subgraph that asks the policy
  let physician: UserPrincipal;
  const anonymous = { kind: 'anonymous' } as const;

  beforeAll(async () => {
    db = await createTestDatabase('trust');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy messaging asks
    service = await startTestSubgraph(messagingSubgraph, db.url);
    physician = staff('physician', await insertOrganization(db.url));
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const unauthenticatedAudits = () =>
    withSql(db.url, (sql) => sql(`select service, request_id, outcome, actor_type, detail from audit.event where action = 'unauthenticated' order by id`));

  const sign = async (principal: Principal, audience: string | string[], requestId: string) =>
    (await testAssertionKeys()).signer.sign(principal, audience, requestId);

  const postTo = (url: string, body: object, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const post = (body: object, headers: Record<string, string> = {}) => postTo(service.url, body, headers);

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
    const response = await post(operations._service, { [ASSERTION_HEADER]: await sign(physician, 'messaging', 'r1') });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { _service: { sdl: string } } }).data._service.sdl).toContain('ChartComment');
    // as the gateway sends it, with the access policy's audience beside the subgraph's
    const query = await post(operations.query, { [ASSERTION_HEADER]: await sign(physician, ['messaging', ACCESS_POLICY_AUDIENCE], 'r1b') });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { chartComment: null } });
  });

  it.each([['messaging'], ['patients']])('refuses an assertion of an anonymous principal at %s: 401, audited', async (name) => {
    const url = name === 'patients' ? patients.url : service.url;
    const response = await postTo(url, operations._service, { [ASSERTION_HEADER]: await sign(anonymous, [name, ACCESS_POLICY_AUDIENCE], `anon-${name}`), 'x-request-id': `anon-${name}` });
    expect(response.status).toBe(401);
    const json = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(json.data).toBeUndefined();
    expect(json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await unauthenticatedAudits()).filter((row) => row.request_id === `anon-${name}`)).toEqual([
      expect.objectContaining({ service: name, outcome: 'denied', actor_type: 'anonymous', detail: expect.objectContaining({ reason: 'invalid' }) }),
    ]);
  });

  it('refuses an assertion addressed to another subgraph (replay across audiences)', async () => {
    const response = await post(operations.query, { [ASSERTION_HEADER]: await sign(physician, 'clinical', 'r2') });
    expect(response.status).toBe(401);
  });

  it('refuses, at patients /graphql, an assertion for another subgraph even when the policy may read it', async () => {
    // what clinical receives (and forwards to the policy) must not open patients' GraphQL
    for (const audience of ['clinical', ['clinical', ACCESS_POLICY_AUDIENCE], ACCESS_POLICY_AUDIENCE]) {
      const response = await postTo(patients.url, operations._service, { [ASSERTION_HEADER]: await sign(physician, audience, 'r2b') });
      expect(response.status).toBe(401);
    }
    // the same principal, addressed to patients, is served
    expect((await postTo(patients.url, operations._service, { [ASSERTION_HEADER]: await sign(physician, 'patients', 'r2c') })).status).toBe(200);
  });

  it('refuses an assertion signed with any other key', async () => {
    const forger = await AssertionSigner.fromPem((await generateAssertionKeyPair()).privateKeyPem);
    const response = await post(operations.query, { [ASSERTION_HEADER]: await forger.sign(physician, 'messaging', 'r3') });
    expect(response.status).toBe(401);
  });

  it('refuses an expired assertion', async () => {
    const { pair } = await testAssertionKeys();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ principal: physician })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer('caregraph-gateway').setAudience('messaging')
      .setIssuedAt(now - 120).setExpirationTime(now - 60)
      .sign(await importPKCS8(pair.privateKeyPem, 'ES256'));
    expect((await post(operations.query, { [ASSERTION_HEADER]: expired })).status).toBe(401);
  });

  it('refuses a "system" principal over HTTP (internal jobs never arrive by request)', async () => {
    const response = await post(operations.query, { [ASSERTION_HEADER]: await sign({ kind: 'system', purpose: 'x' }, 'messaging', 'r4') });
    expect(response.status).toBe(401);
  });

  describe('the access policy endpoint (POST /internal/access-decisions on patients)', () => {
    let decisionsUrl: string;
    let ownOrgPatient: string;
    let otherOrgPatient: string;
    let otherOrgPhysician: UserPrincipal;

    beforeAll(async () => {
      decisionsUrl = accessDecisionsUrl(patients.url);
      ownOrgPatient = await insertPatient(db.url, [physician.organizationId!]);
      const otherOrg = await insertOrganization(db.url);
      otherOrgPatient = await insertPatient(db.url, [otherOrg]);
      otherOrgPhysician = staff('physician', otherOrg);
    });

    const ask = (body: object, headers: Record<string, string> = {}) => postTo(decisionsUrl, body, headers);
    /** What messaging forwards: the gateway's assertion, addressed to messaging and the policy. */
    const forwarded = async (principal: Principal, requestId = 'policy-ok') => ({ [ASSERTION_HEADER]: await sign(principal, ['messaging', ACCESS_POLICY_AUDIENCE], requestId) });
    const question = () => ({ category: 'clinical', patientIds: [ownOrgPatient, otherOrgPatient] });

    it('refuses a question without an assertion with 401, and audits it', async () => {
      const response = await ask(question(), { 'x-request-id': 'policy-none' });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect((await unauthenticatedAudits()).filter((row) => row.request_id === 'policy-none')).toEqual([
        expect.objectContaining({ service: 'patients', outcome: 'denied', actor_type: 'anonymous', detail: expect.objectContaining({ reason: 'missing', path: '/internal/access-decisions' }) }),
      ]);
    });

    it('refuses an assertion not addressed to the policy (patients only), another key, or an anonymous principal', async () => {
      expect((await ask(question(), { [ASSERTION_HEADER]: await sign(physician, 'patients', 'policy-aud') })).status).toBe(401);
      expect((await ask(question(), { [ASSERTION_HEADER]: await sign(physician, 'messaging', 'policy-aud') })).status).toBe(401);
      const forger = await AssertionSigner.fromPem((await generateAssertionKeyPair()).privateKeyPem);
      expect((await ask(question(), { [ASSERTION_HEADER]: await forger.sign(physician, ACCESS_POLICY_AUDIENCE, 'policy-key') })).status).toBe(401);
      expect((await ask(question(), await forwarded(anonymous))).status).toBe(401);
    });

    it('answers a valid question with the decisions for the asserting principal', async () => {
      const response = await ask(question(), await forwarded(physician));
      expect(response.status).toBe(200);
      const { decisions } = (await response.json()) as { decisions: { patientId: string; allowed: boolean; basis: string | null }[] };
      expect(decisions).toEqual(expect.arrayContaining([
        { patientId: ownOrgPatient, allowed: true, basis: 'registration' },
        { patientId: otherOrgPatient, allowed: false, basis: null },
      ]));
      expect(decisions).toHaveLength(2);

      // the same question asserted for the other organization's physician: the opposite answers
      const other = (await (await ask(question(), await forwarded(otherOrgPhysician))).json()) as { decisions: unknown[] };
      expect(other.decisions).toEqual(expect.arrayContaining([
        { patientId: ownOrgPatient, allowed: false, basis: null },
        { patientId: otherOrgPatient, allowed: true, basis: 'registration' },
      ]));
      // a principal claimed in the body is not the caller
      const claimed = (await (await ask({ ...question(), principal: otherOrgPhysician }, await forwarded(physician))).json()) as { decisions: unknown[] };
      expect(claimed.decisions).toEqual(expect.arrayContaining([{ patientId: otherOrgPatient, allowed: false, basis: null }]));
    });

    it.each([
      ['an unknown category', () => ({ category: 'everything', patientIds: [ownOrgPatient] })],
      ['no category', () => ({ patientIds: [ownOrgPatient] })],
      ['ids that are not a list', () => ({ category: 'clinical', patientIds: ownOrgPatient })],
      ['an id that is not a string', () => ({ category: 'clinical', patientIds: [ownOrgPatient, 42] })],
      ['more ids than one batch may carry', () => ({ category: 'clinical', patientIds: Array.from({ length: MAX_ACCESS_BATCH + 1 }, () => ownOrgPatient) })],
    ])('answers a malformed question (%s) with 400 and no decisions', async (_name, body) => {
      const response = await ask(body(), await forwarded(physician, 'policy-bad'));
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).not.toContain('allowed');
    });
  });
});
