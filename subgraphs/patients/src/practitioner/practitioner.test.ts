import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, partnerApp, patientUser, staff } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: practitioners and roles', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let hospitalId: string;
  let clinicId: string;
  // directory writes are org_admin work; practitioner roles are managed by their organization's admin
  let hospitalAdmin: Principal;
  let clinicAdmin: Principal;
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = hospitalAdmin) => call(url, query, variables, { principal });
  const graphqlOk = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = hospitalAdmin) => callOk(url, query, variables, { principal });

  const FIELDS = `id npi names { family given text } identifiers { system value type } gender active
    qualifications { code { code display } issuerId issuer { name } period { start end } }`;
  const CREATE = `mutation ($input: CreatePractitionerInput!) { createPractitioner(input: $input) { ${FIELDS} } }`;
  const UPDATE = `mutation ($input: UpdatePractitionerInput!) { updatePractitioner(input: $input) { ${FIELDS} } }`;
  const UPDATE_ROLE = `mutation ($input: UpdatePractitionerRoleInput!) { updatePractitionerRole(input: $input) { active period { start end } } }`;
  const ADD_ROLE = `mutation ($input: CreatePractitionerRoleInput!) { createPractitionerRole(input: $input) {
    id code { code } specialty { code } active period { start end } practitioner { id } organization { id name } } }`;
  const SEARCH = `query ($name: String, $npi: String, $organizationId: ID, $first: Int, $after: String) {
    practitioners(name: $name, npi: $npi, organizationId: $organizationId, first: $first, after: $after) {
      totalCount edges { node { id names { family } } } pageInfo { hasNextPage endCursor } } }`;

  const create = async (input: Record<string, unknown>) => (await graphqlOk(service.url, CREATE, { input })).createPractitioner;
  const search = async (variables: Record<string, unknown>) => (await graphqlOk(service.url, SEARCH, variables)).practitioners;
  const ids = (connection: any) => connection.edges.map((e: any) => e.node.id);
  const rowCounts = async () =>
    (await service.orm.em.fork().getConnection().execute(`select (select count(*) from patients.practitioner)::int as practitioners,
      (select count(*) from patients.practitioner_name_token)::int as tokens, (select count(*) from patients.practitioner_role)::int as roles`))[0];

  beforeAll(async () => {
    db = await createTestDatabase('practitioners');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    const directoryAdmin = staff('org_admin', await insertOrganization(db.url, 'Directory Keeper'));
    hospitalId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "City Hospital", type: HOSPITAL }) { id } }`, {}, directoryAdmin)).createOrganization.id;
    clinicId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "Corner Clinic", type: PRACTICE }) { id } }`, {}, directoryAdmin)).createOrganization.id;
    hospitalAdmin = staff('org_admin', hospitalId);
    clinicAdmin = staff('org_admin', clinicId);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('creates a practitioner: the NPI is a column and an identifier, qualifications resolve their issuer', async () => {
    const practitioner = await create({
      names: [{ family: 'Labadie', given: ['Rebecca'], prefix: ['Dr.'] }],
      npi: '1234567893',
      gender: 'FEMALE',
      identifiers: [{ system: 'urn:test:staff', value: 'S-1' }],
      qualifications: [{ code: { system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }, issuerId: hospitalId, period: { start: '2001-06-01' } }],
    });
    expect(practitioner).toMatchObject({
      npi: '1234567893',
      names: [{ family: 'Labadie', text: 'Dr. Rebecca Labadie' }],
      identifiers: [{ system: 'urn:test:staff', value: 'S-1' }, { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893', type: 'NPI' }],
      gender: 'FEMALE',
      qualifications: [{ code: { code: 'MD', display: 'Doctor of Medicine' }, issuerId: hospitalId, issuer: { name: 'City Hospital' }, period: { start: '2001-06-01', end: null } }],
    });
    expect(ids(await search({ npi: '1234567893' }))).toEqual([practitioner.id]);
    expect(ids(await search({ name: 'REBECCA lab' }))).toEqual([practitioner.id]);
  });

  it.each([
    ['an NPI that is not 10 digits', { npi: '12345' }, 'BAD_USER_INPUT', 'npi'],
    ['an NPI identifier that is not 10 digits', { identifiers: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '420' }] }, 'BAD_USER_INPUT', 'identifiers'],
    ['an NPI that differs from the NPI identifier', { npi: '1111111111', identifiers: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '2222222222' }] }, 'BAD_USER_INPUT', 'npi'],
    ['an NPI already used', { npi: '1234567893' }, 'CONFLICT', 'npi'],
    ['no names', { names: [] }, 'BAD_USER_INPUT', 'names'],
    ['an unknown qualification issuer', { qualifications: [{ code: { code: 'MD' }, issuerId: '00000000-0000-4000-8000-000000000009' }] }, 'NOT_FOUND', 'qualifications[0].issuerId'],
    ['a qualification ending before it starts', { qualifications: [{ code: { code: 'MD' }, period: { start: '2010-01-01', end: '2009-01-01' } }] }, 'BAD_USER_INPUT', 'qualifications[0].period'],
    ['a qualification without a code', { qualifications: [{ code: { code: '' } }] }, 'BAD_USER_INPUT', 'qualifications[0].code.code'],
  ])('rejects %s naming the field, and writes nothing', async (_label, override, code, field) => {
    const before = await rowCounts();
    const response = await graphql(service.url, CREATE, { input: { names: [{ family: 'Rejected', given: ['Ray'] }], ...override } });
    expect(response.errors?.[0].extensions).toMatchObject({ code, field });
    expect(await rowCounts()).toEqual(before);
  });

  it('updates names (search follows), NPI and active', async () => {
    const practitioner = await create({ names: [{ family: 'Oldname', given: ['Pat'] }] });
    const { updatePractitioner } = await graphqlOk(service.url, UPDATE, { input: { id: practitioner.id, names: [{ family: 'Ñúñez', given: ['Pat'] }], npi: '1245319599', active: false } });
    expect(updatePractitioner).toMatchObject({ npi: '1245319599', active: false, identifiers: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1245319599' }] });
    expect(ids(await search({ name: 'oldname' }))).toEqual([]);
    expect(ids(await search({ name: 'nunez pat' }))).toEqual([practitioner.id]);
    const cleared = await graphqlOk(service.url, UPDATE, { input: { id: practitioner.id, npi: null } });
    expect(cleared.updatePractitioner).toMatchObject({ npi: null, identifiers: [] });
    const taken = await graphql(service.url, UPDATE, { input: { id: practitioner.id, npi: '1234567893' } });
    expect(taken.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'npi' });
    const missing = await graphql(service.url, UPDATE, { input: { id: '00000000-0000-4000-8000-000000000000', active: true } });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });

  it('adds roles at organizations: one per (practitioner, organization, code), listed both ways', async () => {
    const a = await create({ names: [{ family: 'Adams', given: ['Role'] }] });
    const b = await create({ names: [{ family: 'Baker', given: ['Role'] }] });
    const doctor = { system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' };
    const { createPractitionerRole } = await graphqlOk(service.url, ADD_ROLE, {
      input: { practitionerId: a.id, organizationId: hospitalId, code: doctor, specialty: { code: '394814009' }, period: { start: '2015-01-01' } },
    });
    expect(createPractitionerRole).toMatchObject({ code: { code: 'doctor' }, specialty: { code: '394814009' }, active: true, period: { start: '2015-01-01', end: null }, practitioner: { id: a.id }, organization: { name: 'City Hospital' } });
    await graphqlOk(service.url, ADD_ROLE, { input: { practitionerId: a.id, organizationId: hospitalId, code: { ...doctor, code: 'researcher' } } });
    await graphqlOk(service.url, ADD_ROLE, { input: { practitionerId: a.id, organizationId: clinicId, code: doctor } }, clinicAdmin);
    await graphqlOk(service.url, ADD_ROLE, { input: { practitionerId: b.id, organizationId: hospitalId, code: doctor } });

    const before = await rowCounts();
    const duplicate = await graphql(service.url, ADD_ROLE, { input: { practitionerId: a.id, organizationId: hospitalId, code: doctor } });
    expect(duplicate.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'code' });
    // an admin whose organization is not (or no longer) in the directory
    const unknownOrgId = '00000000-0000-4000-8000-000000000000';
    const unknownOrg = await graphql(service.url, ADD_ROLE, { input: { practitionerId: a.id, organizationId: unknownOrgId, code: doctor } }, staff('org_admin', unknownOrgId));
    expect(unknownOrg.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'organizationId' });
    const unknownPractitioner = await graphql(service.url, ADD_ROLE, { input: { practitionerId: '00000000-0000-4000-8000-000000000000', organizationId: hospitalId, code: doctor } });
    expect(unknownPractitioner.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'practitionerId' });
    expect(await rowCounts()).toEqual(before);

    const { practitioner } = await graphqlOk(service.url, `query ($id: ID!) { practitioner(id: $id) { roles { code { code } organization { name } } } }`, { id: a.id });
    expect(practitioner.roles).toEqual([
      { code: { code: 'doctor' }, organization: { name: 'City Hospital' } },
      { code: { code: 'researcher' }, organization: { name: 'City Hospital' } },
      { code: { code: 'doctor' }, organization: { name: 'Corner Clinic' } },
    ]);

    // Organization.practitionerRoles, paginated
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const data: any = await graphqlOk(service.url, `query ($id: ID!, $after: String) { organization(id: $id) { practitionerRoles(first: 2, after: $after) {
        totalCount edges { node { code { code } practitioner { names { family } } } } pageInfo { hasNextPage endCursor } } } }`, { id: hospitalId, after });
      const page = data.organization.practitionerRoles;
      expect(page.totalCount).toBe(3);
      seen.push(...page.edges.map((e: any) => `${e.node.practitioner.names[0].family}:${e.node.code.code}`));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['Adams:doctor', 'Adams:researcher', 'Baker:doctor']);

    // practitioners(organizationId): each practitioner once, in name order, even with two roles there
    expect(ids(await search({ organizationId: hospitalId }))).toEqual([a.id, b.id]);
    expect(ids(await search({ organizationId: clinicId }))).toEqual([a.id]);
    expect(ids(await search({ organizationId: hospitalId, name: 'bak' }))).toEqual([b.id]);

    const { updatePractitionerRole } = await graphqlOk(service.url, UPDATE_ROLE, {
      input: { id: createPractitionerRole.id, active: false, period: { start: '2015-01-01', end: '2020-12-31' } },
    });
    expect(updatePractitionerRole).toEqual({ active: false, period: { start: '2015-01-01', end: '2020-12-31' } });
  });

  it('pages through practitioners in name order', async () => {
    for (const family of ['Zed', 'Yan', 'Xu']) await create({ names: [{ family, given: ['Pager'] }] });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = await search({ name: 'pager', first: 2, after });
      seen.push(...page.edges.map((e: any) => e.node.names[0].family));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(['Xu', 'Yan', 'Zed']);
  });

  it('resolves Practitioner references for other subgraphs (_entities), unknown ids as null', async () => {
    const practitioner = await create({ names: [{ family: 'Entity', given: ['Doc'] }] });
    const data = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Practitioner { id names { family } } } }`, {
      reps: [{ __typename: 'Practitioner', id: practitioner.id }, { __typename: 'Practitioner', id: '00000000-0000-4000-8000-000000000000' }],
    });
    expect(data._entities).toEqual([{ id: practitioner.id, names: [{ family: 'Entity' }] }, null]);
  });

  describe('directory writes are for org_admin only: other roles get FORBIDDEN and nothing is written', () => {
    const callers: [string, () => Principal][] = [
      ['a physician', () => staff('physician', hospitalId)],
      ['a nurse', () => staff('nurse', hospitalId)],
      ['billing staff', () => staff('billing', hospitalId)],
      ['a compliance officer', () => staff('compliance', hospitalId)],
      ['a patient', () => patientUser(randomUUID())],
      ['a partner app', () => partnerApp(hospitalId, ['system/*.read', 'system/*.write'])],
    ];
    let practitionerId: string;
    let roleId: string;
    beforeAll(async () => {
      practitionerId = (await create({ names: [{ family: 'Guarded', given: ['Gail'] }] })).id;
      roleId = (await graphqlOk(service.url, ADD_ROLE, { input: { practitionerId, organizationId: hospitalId, code: { code: 'nurse' } } })).createPractitionerRole.id;
    });
    const practitionerRow = async () => (await service.orm.em.fork().getConnection().execute(
      `select p.active, p.npi, (select count(*) from patients.practitioner_role r where r.practitioner_id = p.id)::int as roles,
              (select bool_and(r.active) from patients.practitioner_role r where r.practitioner_id = p.id) as roles_active
       from patients.practitioner p where p.id = ?`, [practitionerId]))[0];

    it.each(callers)('%s', async (_label, principal) => {
      const before = await rowCounts();
      const unchanged = await practitionerRow();
      const attempts = [
        await graphql(service.url, CREATE, { input: { names: [{ family: 'Forbidden', given: ['Fay'] }] } }, principal()),
        await graphql(service.url, UPDATE, { input: { id: practitionerId, active: false, npi: '1538358429' } }, principal()),
        await graphql(service.url, ADD_ROLE, { input: { practitionerId, organizationId: hospitalId, code: { code: 'doctor' } } }, principal()),
        await graphql(service.url, UPDATE_ROLE, { input: { id: roleId, active: false } }, principal()),
      ];
      for (const response of attempts) expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await rowCounts()).toEqual(before);
      expect(await practitionerRow()).toEqual(unchanged);
    });

    it("refuses an org_admin managing roles at another organization, writing nothing", async () => {
      const before = await rowCounts();
      const add = await graphql(service.url, ADD_ROLE, { input: { practitionerId, organizationId: hospitalId, code: { code: 'doctor' } } }, clinicAdmin);
      expect(add.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      const change = await graphql(service.url, UPDATE_ROLE, { input: { id: roleId, active: false } }, clinicAdmin);
      expect(change.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await rowCounts()).toEqual(before);
      expect((await practitionerRow()).roles_active).toBe(true);
      // the hospital's own admin may
      expect((await graphqlOk(service.url, UPDATE_ROLE, { input: { id: roleId, active: false } }, hospitalAdmin)).updatePractitionerRole.active).toBe(false);
    });

    it('lets an org_admin of any organization maintain practitioners (shared directory)', async () => {
      const { updatePractitioner } = await graphqlOk(service.url, UPDATE, { input: { id: practitionerId, npi: '1538358429' } }, clinicAdmin);
      expect(updatePractitioner.npi).toBe('1538358429');
    });

    it('lets other signed-in roles read the directory', async () => {
      const { practitioner } = await graphqlOk(service.url, `query ($id: ID!) { practitioner(id: $id) { id names { family } } }`, { id: practitionerId }, staff('billing', clinicId));
      expect(practitioner).toEqual({ id: practitionerId, names: [{ family: 'Guarded' }] });
    });
  });
});
