import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, partnerApp, patientUser, staff, withSql } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: organizations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  // the caller: an administrator of an organization already in the directory
  let adminOrganizationId: string;
  let admin: Principal;

  beforeAll(async () => {
    db = await createTestDatabase('organizations');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    adminOrganizationId = await insertOrganization(db.url, 'Admin Home Hospital');
    admin = staff('org_admin', adminOrganizationId);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = admin) => call(url, query, variables, { principal });
  const graphqlOk = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = admin) => callOk(url, query, variables, { principal });

  const CREATE = `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name type identifiers { system value } } }`;
  const UPDATE = `mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id name type active } }`;
  const organizationCount = async () => (await withSql(db.url, (sql) => sql(`select count(*)::int as n from patients.organization`)))[0].n as number;

  it('creates an organization and finds it by accent- and case-insensitive name prefix', async () => {
    const { createOrganization } = await graphqlOk(service.url, CREATE, {
      input: { name: 'Hôpital Saint-Éloi', type: 'HOSPITAL', identifiers: [{ system: 'urn:test', value: 'H1' }] },
    });
    expect(createOrganization).toMatchObject({ name: 'Hôpital Saint-Éloi', type: 'HOSPITAL', identifiers: [{ system: 'urn:test', value: 'H1' }] });

    const found = await graphqlOk(service.url, `{ organizations(name: "HOPITAL s") { totalCount edges { node { id } } } }`);
    expect(found.organizations.totalCount).toBe(1);
    expect(found.organizations.edges[0].node.id).toBe(createOrganization.id);

    // directory changes are audited too (no patient involved)
    const rows = await withSql(db.url, (sql) => sql(
      `select action, outcome, patient_id, record_types, detail from audit.event where detail->>'organizationId' = $1`, [createOrganization.id]));
    expect(rows).toEqual([{ action: 'write', outcome: 'success', patient_id: null, record_types: ['Organization'], detail: { operation: 'create', organizationId: createOrganization.id } }]);
  });

  it('rejects an empty name with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const before = await graphqlOk(service.url, `{ organizations { totalCount } }`);
    const response = await graphql(service.url, CREATE, { input: { name: '', type: 'PRACTICE' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const after = await graphqlOk(service.url, `{ organizations { totalCount } }`);
    expect(after.organizations.totalCount).toBe(before.organizations.totalCount);
  });

  it('pages through organizations with cursors, without repeats', async () => {
    for (const name of ['Alpha Clinic', 'Beta Clinic', 'Gamma Clinic']) {
      await graphqlOk(service.url, CREATE, { input: { name, type: 'PRACTICE' } });
    }
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await graphqlOk(service.url, `query ($after: String) { organizations(type: PRACTICE, first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`, { after });
      seen.push(...page.organizations.edges.map((e: any) => e.node.name));
      after = page.organizations.pageInfo.hasNextPage ? page.organizations.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['Alpha Clinic', 'Beta Clinic', 'Gamma Clinic']);
  });

  it('answers a tampered cursor with BAD_USER_INPUT on `after`', async () => {
    const response = await graphql(service.url, `{ organizations(after: "not-a-cursor!") { edges { cursor } } }`);
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('resolves Organization references for other subgraphs (_entities)', async () => {
    const { createOrganization } = await graphqlOk(service.url, CREATE, { input: { name: 'Payer One', type: 'PAYER' } });
    const data = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Organization { id name } } }`, {
      reps: [{ __typename: 'Organization', id: createOrganization.id }, { __typename: 'Organization', id: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(data._entities).toEqual([{ id: createOrganization.id, name: 'Payer One' }, null]);
  });

  it('lets any signed-in staff member read the directory', async () => {
    const nurse = staff('nurse', adminOrganizationId);
    const data = await graphqlOk(service.url, `query ($id: ID!) { organization(id: $id) { id name } }`, { id: adminOrganizationId }, nurse);
    expect(data.organization).toEqual({ id: adminOrganizationId, name: 'Admin Home Hospital' });
  });

  it("lets an administrator update their own organization", async () => {
    const { updateOrganization } = await graphqlOk(service.url, UPDATE, { input: { id: adminOrganizationId, name: 'Admin Home Hospital (North)', active: false } });
    expect(updateOrganization).toEqual({ id: adminOrganizationId, name: 'Admin Home Hospital (North)', type: 'HOSPITAL', active: false });
    await graphqlOk(service.url, UPDATE, { input: { id: adminOrganizationId, name: 'Admin Home Hospital', active: true } });
  });

  it("refuses an administrator updating another organization with FORBIDDEN, changing nothing", async () => {
    const otherId = await insertOrganization(db.url, 'Someone Else Hospital');
    const response = await graphql(service.url, UPDATE, { input: { id: otherId, name: 'Taken Over' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(response.data?.updateOrganization ?? null).toBeNull();
    const [row] = await withSql(db.url, (sql) => sql(`select name from patients.organization where id = $1`, [otherId]));
    expect(row.name).toBe('Someone Else Hospital');
  });

  describe('refuses every role but org_admin with FORBIDDEN, writing nothing', () => {
    const callers: [string, () => Principal][] = [
      ['a physician', () => staff('physician', adminOrganizationId)],
      ['a nurse', () => staff('nurse', adminOrganizationId)],
      ['billing staff', () => staff('billing', adminOrganizationId)],
      ['a compliance officer', () => staff('compliance', adminOrganizationId)],
      ['a patient', () => patientUser('00000000-0000-4000-8000-000000000001')],
      ['a partner app', () => partnerApp(adminOrganizationId, ['system/*.read', 'system/*.write'])],
    ];
    it.each(callers)('%s creating an organization', async (_label, principal) => {
      const before = await organizationCount();
      const response = await graphql(service.url, CREATE, { input: { name: 'Not Allowed Clinic', type: 'PRACTICE' } }, principal());
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await organizationCount()).toBe(before);
    });
    it.each(callers)('%s updating their organization', async (_label, principal) => {
      const response = await graphql(service.url, UPDATE, { input: { id: adminOrganizationId, name: 'Renamed' } }, principal());
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      const [row] = await withSql(db.url, (sql) => sql(`select name from patients.organization where id = $1`, [adminOrganizationId]));
      expect(row.name).toBe('Admin Home Hospital');
    });
  });

  it('refuses a request without a gateway assertion, or asserting an anonymous caller, with 401', async () => {
    for (const options of [{}, { principal: { kind: 'anonymous' } as Principal }]) {
      const response = await call(service.url, `{ organizations { totalCount } }`, {}, options);
      expect(response.status).toBe(401);
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
  });

  it('reports liveness and database readiness', async () => {
    const base = service.url.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});
