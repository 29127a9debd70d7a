import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: organizations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase('organizations');
    service = await startTestSubgraph(patientsSubgraph, db.url);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const CREATE = `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name type identifiers { system value } } }`;

  it('creates an organization and finds it by accent- and case-insensitive name prefix', async () => {
    const { createOrganization } = await graphqlOk(service.url, CREATE, {
      input: { name: 'Hôpital Saint-Éloi', type: 'HOSPITAL', identifiers: [{ system: 'urn:test', value: 'H1' }] },
    });
    expect(createOrganization).toMatchObject({ name: 'Hôpital Saint-Éloi', type: 'HOSPITAL', identifiers: [{ system: 'urn:test', value: 'H1' }] });

    const found = await graphqlOk(service.url, `{ organizations(name: "HOPITAL s") { totalCount edges { node { id } } } }`);
    expect(found.organizations.totalCount).toBe(1);
    expect(found.organizations.edges[0].node.id).toBe(createOrganization.id);
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

  it('reports liveness and database readiness', async () => {
    const base = service.url.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});
