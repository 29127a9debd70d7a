import { createLogger, createRequestContext, generateSigningKeyPair, type Principal, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import type { AuthEvent } from '../auth/auth-events';
import { AuthService, totp } from '../auth/auth.service';
import { hashSecret } from '../auth/secrets';
import { createIdentityContext } from '../context';
import { DEMO_PASSWORD, seedDemoAccounts } from '../demo/demo-accounts';
import { resolveIdentityOptions } from '../options';
import { Session } from '../session/session.entity';
import { createIdentitySubgraph } from '../subgraph';
import { UserAccount } from './user-account.entity';

const ORG_A = '11111111-1111-4111-8111-111111111111';
const ORG_B = '22222222-2222-4222-8222-222222222222';
const PATIENT = '33333333-3333-4333-8333-333333333333';
const PASSWORD = 'a long enough password';

describe('identity: account administration through GraphQL', () => {
  const keys = generateSigningKeyPair();
  const options = resolveIdentityOptions({ signingKey: keys.privateKey });
  const events: AuthEvent[] = [];
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  const em = () => service.orm.em.fork() as EntityManager;
  const auth = () => new AuthService(em(), options, { record: (e) => void events.push(e) }, createLogger('identity', 'silent'));

  const as = (principal: Principal) => ({
    ok: (query: string, variables: Record<string, unknown> = {}) => graphqlOk(service.url, query, variables, { principal }),
    call: (query: string, variables: Record<string, unknown> = {}) => graphql(service.url, query, variables, { principal }),
  });
  const code = async (promise: Promise<{ errors?: { extensions?: Record<string, any> }[] }>) => (await promise).errors?.[0]?.extensions;

  async function account(email: string, role: UserAccount['role'], organizationId: string | null, extra: Partial<UserAccount> = {}) {
    const fork = em();
    const user = fork.create(UserAccount, { email, passwordHash: await hashSecret(PASSWORD), role, organizationId, displayName: role, ...extra });
    await fork.flush();
    return user;
  }
  const principalOf = (user: UserAccount, sessionId = '00000000-0000-4000-8000-000000000000'): Principal => ({
    kind: 'user', userId: user.id, role: user.role, organizationId: user.organizationId ?? null, patientId: user.patientId ?? null, sessionId,
  });

  let adminA: Principal;
  let adminB: Principal;
  let complianceA: Principal;
  let physicianA: Principal;
  let physicianUser: UserAccount;

  beforeAll(async () => {
    db = await createTestDatabase('identity_users');
    service = await startTestSubgraph(createIdentitySubgraph({ signingKey: keys.privateKey }), db.url);
    adminA = principalOf(await account('admin@a.test', 'org_admin', ORG_A));
    adminB = principalOf(await account('admin@b.test', 'org_admin', ORG_B));
    complianceA = principalOf(await account('compliance@a.test', 'compliance', ORG_A));
    physicianUser = await account('doc@a.test', 'physician', ORG_A);
    physicianA = principalOf(physicianUser);
    await account('nurse@b.test', 'nurse', ORG_B);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { id email role organizationId patientId active totpEnabled } }`;

  it('me returns the signed-in account, or the partner app, without credentials', async () => {
    const data = await as(physicianA).ok(`{ me { __typename ... on UserAccount { id email role organizationId } } }`);
    expect(data.me).toEqual({ __typename: 'UserAccount', id: physicianUser.id, email: 'doc@a.test', role: 'PHYSICIAN', organizationId: ORG_A });
    const schema = await as(physicianA).ok(`{ __type(name: "UserAccount") { fields { name } } }`);
    const fields = schema.__type.fields.map((f: { name: string }) => f.name);
    expect(fields).not.toEqual(expect.arrayContaining(['passwordHash']));
    expect(fields.some((f: string) => /password|secret/i.test(f))).toBe(false);
  });

  it('an org admin creates staff in their own organization; the account can sign in', async () => {
    const { createUser } = await as(adminA).ok(CREATE, { input: { email: 'New.Nurse@A.test', password: PASSWORD, role: 'NURSE', displayName: 'New Nurse' } });
    expect(createUser).toMatchObject({ email: 'new.nurse@a.test', role: 'NURSE', organizationId: ORG_A, patientId: null, active: true, totpEnabled: false });
    const login = await auth().login('new.nurse@a.test', PASSWORD);
    expect(login.ok).toBe(true);
  });

  it('creates a patient account only with a patientId, and without an organization', async () => {
    expect(await code(as(adminA).call(CREATE, { input: { email: 'p@a.test', password: PASSWORD, role: 'PATIENT', displayName: 'P' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });
    expect(await code(as(adminA).call(CREATE, { input: { email: 'n2@a.test', password: PASSWORD, role: 'NURSE', displayName: 'N', patientId: PATIENT } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });
    const { createUser } = await as(adminA).ok(CREATE, { input: { email: 'p@a.test', password: PASSWORD, role: 'PATIENT', displayName: 'P', patientId: PATIENT } });
    expect(createUser).toMatchObject({ role: 'PATIENT', organizationId: null, patientId: PATIENT });
  });

  it('rejects weak passwords, bad emails and duplicate emails (case-insensitively)', async () => {
    expect(await code(as(adminA).call(CREATE, { input: { email: 'short@a.test', password: 'short', role: 'NURSE', displayName: 'N' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(await code(as(adminA).call(CREATE, { input: { email: 'nope', password: PASSWORD, role: 'NURSE', displayName: 'N' } })))
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    const duplicate = await as(adminA).call(CREATE, { input: { email: 'DOC@a.test', password: PASSWORD, role: 'NURSE', displayName: 'N' } });
    expect(duplicate.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'email' });
    expect(duplicate.errors?.[0].message).not.toMatch(/doc@/i);
  });

  it('refuses account administration to other roles, partner apps and anonymous callers', async () => {
    const input = { email: 'x@a.test', password: PASSWORD, role: 'NURSE', displayName: 'X' };
    expect(await code(as(physicianA).call(CREATE, { input }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await code(as(complianceA).call(CREATE, { input }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await code(as({ kind: 'client', clientId: 'c', organizationId: ORG_A, scopes: ['system/*.read'] }).call(CREATE, { input }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await code(as({ kind: 'anonymous' }).call(CREATE, { input }))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await em().count(UserAccount, { email: 'x@a.test' })).toBe(0);
  });

  it('lists only the caller’s organization to org admins and compliance, filtered by role and paged', async () => {
    const USERS = `query ($role: UserRole, $first: Int!, $after: String) { users(role: $role, first: $first, after: $after) { totalCount edges { node { email organizationId } } pageInfo { hasNextPage endCursor } } }`;
    const all = await as(complianceA).ok(USERS, { first: 100 });
    expect(all.users.edges.every((e: any) => e.node.organizationId === ORG_A)).toBe(true);
    expect(all.users.edges.map((e: any) => e.node.email)).toEqual(expect.arrayContaining(['admin@a.test', 'doc@a.test']));
    expect(all.users.edges.map((e: any) => e.node.email)).not.toContain('nurse@b.test');
    const nurses = await as(adminB).ok(USERS, { role: 'NURSE', first: 100 });
    expect(nurses.users.edges.map((e: any) => e.node.email)).toEqual(['nurse@b.test']);

    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await as(adminA).ok(USERS, { first: 2, after });
      seen.push(...page.users.edges.map((e: any) => e.node.email));
      after = page.users.pageInfo.hasNextPage ? page.users.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(all.users.edges.map((e: any) => e.node.email));
    expect(await code(as(physicianA).call(USERS, { first: 10 }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('updates and deactivates own-organization accounts only; deactivation ends sessions and sign-in', async () => {
    const target = await account('target@a.test', 'nurse', ORG_A);
    const login = await auth().login('target@a.test', PASSWORD);
    expect(login.ok).toBe(true);
    const UPDATE = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { id displayName role } }`;
    expect(await code(as(adminB).call(UPDATE, { input: { id: target.id, displayName: 'Hijack' } }))).toMatchObject({ code: 'NOT_FOUND' });
    const updated = await as(adminA).ok(UPDATE, { input: { id: target.id, displayName: 'Charge Nurse', role: 'PHYSICIAN' } });
    expect(updated.updateUser).toMatchObject({ displayName: 'Charge Nurse', role: 'PHYSICIAN' });
    // a role change ends existing sessions so the new role applies at the next sign-in
    expect(await em().count(Session, { user: target.id, revokedAt: null })).toBe(0);

    await auth().login('target@a.test', PASSWORD);
    const DEACTIVATE = `mutation ($id: ID!) { deactivateUser(id: $id) { id active } }`;
    expect(await code(as(adminB).call(DEACTIVATE, { id: target.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await code(as(physicianA).call(DEACTIVATE, { id: target.id }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await code(as(adminA).call(DEACTIVATE, { id: (adminA as { userId: string }).userId }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await as(adminA).ok(DEACTIVATE, { id: target.id })).deactivateUser).toEqual({ id: target.id, active: false });
    expect(await em().count(Session, { user: target.id, revokedAt: null })).toBe(0);
    expect(await auth().login('target@a.test', PASSWORD)).toEqual({ ok: false, error: 'invalid_credentials' });
  });

  it('enrolls a staff member in TOTP after a correct code; sign-in then needs a code', async () => {
    const user = await account('totp@a.test', 'billing', ORG_A);
    const me = as(principalOf(user));
    const { startTotpEnrollment } = await me.ok(`mutation { startTotpEnrollment { secret otpauthUri } }`);
    expect(startTotpEnrollment.otpauthUri).toMatch(/^otpauth:\/\/totp\/caregraph:totp%40a\.test\?secret=/);
    const CONFIRM = `mutation ($code: String!) { confirmTotpEnrollment(code: $code) { totpEnabled } }`;
    const good = totp.generate(startTotpEnrollment.secret);
    const bad = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    expect(await code(me.call(CONFIRM, { code: bad }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect(await code(me.call(CONFIRM, { code: 'abc' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect((await me.ok(CONFIRM, { code: good })).confirmTotpEnrollment).toEqual({ totpEnabled: true });
    expect(await code(me.call(`mutation { startTotpEnrollment { secret } }`))).toMatchObject({ code: 'CONFLICT' });
    expect(await auth().login('totp@a.test', PASSWORD)).toEqual({ ok: false, error: 'mfa_required' });
    expect((await auth().login('totp@a.test', PASSWORD, totp.generate(startTotpEnrollment.secret))).ok).toBe(true);

    const patient = await account('patient-totp@x.test', 'patient', null, { patientId: PATIENT });
    expect(await code(as(principalOf(patient)).call(`mutation { startTotpEnrollment { secret } }`))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('changes the caller’s password after checking the current one, ending their other sessions', async () => {
    const user = await account('pw@a.test', 'nurse', ORG_A);
    const first = await auth().login('pw@a.test', PASSWORD);
    const second = await auth().login('pw@a.test', PASSWORD);
    if (!first.ok || !second.ok) throw new Error('login failed');
    const current = (await em().findOneOrFail(Session, { user: user.id }, { orderBy: { createdAt: 'desc', id: 'desc' } }));
    const me = as(principalOf(user, current.id));
    const CHANGE = `mutation ($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
    expect(await code(me.call(CHANGE, { c: 'not the password', n: 'another long password' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    expect(await code(me.call(CHANGE, { c: PASSWORD, n: 'short' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect((await me.ok(CHANGE, { c: PASSWORD, n: 'another long password' })).changePassword).toBe(true);
    expect(await auth().login('pw@a.test', PASSWORD)).toEqual({ ok: false, error: 'invalid_credentials' });
    expect((await auth().login('pw@a.test', 'another long password')).ok).toBe(true);
    const live = await em().find(Session, { user: user.id, revokedAt: null });
    expect(live.map((s) => s.id)).toContain(current.id);
    expect(live).toHaveLength(2); // the caller's session and the sign-in just above
  });

  it('creates partner apps (secret shown once) that can get tokens, and deactivates them', async () => {
    const CREATE_CLIENT = `mutation ($input: CreateApiClientInput!) { createApiClient(input: $input) { clientSecret client { id clientId scopes active organizationId } } }`;
    const input = { name: 'Claims partner', clientId: 'claims-partner', scopes: ['system/Claim.read', 'patient/*.read'] };
    expect(await code(as(physicianA).call(CREATE_CLIENT, { input }))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await code(as(adminA).call(CREATE_CLIENT, { input: { ...input, scopes: ['everything'] } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
    const { createApiClient } = await as(adminA).ok(CREATE_CLIENT, { input });
    expect(createApiClient.client).toMatchObject({ clientId: 'claims-partner', scopes: input.scopes, active: true, organizationId: ORG_A });
    expect(createApiClient.clientSecret).toMatch(/^cgs_/);
    expect(await code(as(adminB).call(CREATE_CLIENT, { input }))).toMatchObject({ code: 'CONFLICT', field: 'clientId' });

    const token = await auth().clientCredentials('claims-partner', createApiClient.clientSecret, 'system/Claim.read');
    expect(token).toMatchObject({ ok: true, token: { scope: 'system/Claim.read' } });
    const clientPrincipal: Principal = { kind: 'client', clientId: 'claims-partner', organizationId: ORG_A, scopes: ['system/Claim.read'] };
    expect((await as(clientPrincipal).ok(`{ me { __typename ... on ApiClient { clientId } } }`)).me).toEqual({ __typename: 'ApiClient', clientId: 'claims-partner' });
    const listed = await as(adminA).ok(`{ apiClients(first: 10) { edges { node { clientId } } } }`);
    expect(listed.apiClients.edges.map((e: any) => e.node.clientId)).toContain('claims-partner');

    const DEACTIVATE = `mutation ($id: ID!) { deactivateApiClient(id: $id) { active } }`;
    expect(await code(as(adminB).call(DEACTIVATE, { id: createApiClient.client.id }))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await as(adminA).ok(DEACTIVATE, { id: createApiClient.client.id })).deactivateApiClient).toEqual({ active: false });
    expect(await auth().clientCredentials('claims-partner', createApiClient.clientSecret, undefined)).toEqual({ ok: false, error: 'invalid_client' });
  });

  it('services take the principal from a hand-built RequestContext too', async () => {
    const ctx = createIdentityContext(createRequestContext({ service: 'identity', requestId: 'r', log: createLogger('identity', 'silent'), em: em(), principal: adminA }), options);
    const me = await ctx.users.me();
    expect(me).toBeInstanceOf(UserAccount);
    const nurseCtx = createIdentityContext(createRequestContext({ service: 'identity', requestId: 'r', log: createLogger('identity', 'silent'), em: em(), principal: physicianA }), options);
    await expect(nurseCtx.apiClients.create({ name: 'x', scopes: ['system/Claim.read'] })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('seeds demo accounts idempotently, and they can sign in', async () => {
    const input = {
      organizations: [
        { id: ORG_A, type: 'hospital', name: 'Saint-Éloi General' },
        { id: '44444444-4444-4444-8444-444444444444', type: 'payer' },
        { id: ORG_B, type: 'hospital' },
        { id: '55555555-5555-4555-8555-555555555555', type: 'hospital' },
      ],
      patientIds: [PATIENT, '66666666-6666-4666-8666-666666666666', '77777777-7777-4777-8777-777777777777'],
      practitioners: { [ORG_A]: { id: '88888888-8888-4888-8888-888888888888', name: 'Ana Müller' } },
    };
    const first = await seedDemoAccounts(em(), input);
    // a physician is the practitioner they were given, by name; without one, and every other role, named by the role
    const named = (email: string) => first.accounts.find((a) => a.email === email);
    expect(named('physician@saint-eloi-general.demo')).toMatchObject({ displayName: 'Ana Müller', practitionerId: '88888888-8888-4888-8888-888888888888' });
    expect(named('physician@hospital-2.demo')).toMatchObject({ displayName: 'Demo Physician', practitionerId: null });
    expect(named('nurse@saint-eloi-general.demo')?.displayName).toBe('Demo Nurse');
    expect((await em().findOneOrFail(UserAccount, { email: 'physician@saint-eloi-general.demo' })).displayName).toBe('Ana Müller');
    expect(first.accounts).toHaveLength(12);
    expect(first.accounts.map((a) => a.email)).toEqual(expect.arrayContaining([
      'physician@saint-eloi-general.demo', 'org-admin@saint-eloi-general.demo', 'compliance@hospital-2.demo', 'patient2@patients.demo',
    ]));
    expect(first.accounts.filter((a) => a.organizationId === ORG_B)).toHaveLength(5);
    expect(first.client).toMatchObject({ clientId: 'demo-partner-app', scopes: ['system/Claim.read', 'patient/*.read'] });
    // again, with other names: nothing changes, and the names reported are the stored ones
    const second = await seedDemoAccounts(em(), { ...input, practitioners: { [ORG_A]: { id: '88888888-8888-4888-8888-888888888888', name: 'Someone Else' } } });
    expect(second.accounts).toEqual(first.accounts);
    expect(await em().count(UserAccount, { email: { $like: '%.demo' } })).toBe(12);

    expect((await auth().login('billing@saint-eloi-general.demo', DEMO_PASSWORD)).ok).toBe(true);
    const patientLogin = await auth().login('patient1@patients.demo', DEMO_PASSWORD);
    expect(patientLogin.ok).toBe(true);
    expect((await auth().clientCredentials('demo-partner-app', DEMO_PASSWORD, undefined)).ok).toBe(true);
  });
});
