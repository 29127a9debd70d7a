import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: patients', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase('patients');
    service = await startTestSubgraph(patientsSubgraph, db.url);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const FIELDS = `id names { use family given prefix text } birthDate gender language maritalStatus { system code display }
    telecom { system value use } addresses { line city postalCode } identifiers { system value type } deceased deceasedAt active createdAt updatedAt`;
  const CREATE = `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { ${FIELDS} } }`;
  const UPDATE = `mutation ($input: UpdatePatientInput!) { updatePatient(input: $input) { ${FIELDS} } }`;
  const SEARCH = `query ($name: String, $birthDate: String, $identifier: IdentifierFilter, $organizationId: ID, $first: Int, $after: String) {
    patients(name: $name, birthDate: $birthDate, identifier: $identifier, organizationId: $organizationId, first: $first, after: $after) {
      totalCount edges { cursor node { id names { family given } } } pageInfo { hasNextPage endCursor } } }`;

  const create = async (input: Record<string, unknown>) => (await graphqlOk(service.url, CREATE, { input: { gender: 'UNKNOWN', ...input } })).createPatient;
  const search = async (variables: Record<string, unknown>) => (await graphqlOk(service.url, SEARCH, variables)).patients;
  const families = (connection: any) => connection.edges.map((e: any) => `${e.node.names[0].given.join(' ')} ${e.node.names[0].family}`);
  const sql = async (query: string, params: unknown[] = []) => service.orm.em.fork().getConnection().execute(query, params);
  const rowCounts = async () => {
    const [row] = await sql(`select (select count(*) from patients.patient)::int as patients,
      (select count(*) from patients.patient_identifier)::int as identifiers, (select count(*) from patients.patient_name_token)::int as tokens`);
    return row;
  };

  it('creates a patient with demographics, identifiers in their own table and name tokens', async () => {
    const patient = await create({
      names: [{ use: 'official', family: 'Müller', given: ['José', 'María'], prefix: ['Mr.'] }],
      birthDate: '1980-02-29',
      gender: 'MALE',
      language: 'de-CH',
      maritalStatus: { system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Married' },
      telecom: [{ system: 'phone', value: '555-0100', use: 'home' }],
      addresses: [{ line: ['1 Main St'], city: 'Zürich', postalCode: '8001' }],
      identifiers: [{ system: 'urn:test:mrn', value: 'MR-1', type: 'MR' }, { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-11-2222', type: 'SS' }],
    });
    expect(patient).toMatchObject({
      names: [{ use: 'official', family: 'Müller', given: ['José', 'María'], prefix: ['Mr.'], text: 'Mr. José María Müller' }],
      birthDate: '1980-02-29',
      gender: 'MALE',
      language: 'de-CH',
      maritalStatus: { code: 'M', display: 'Married' },
      addresses: [{ city: 'Zürich' }],
      // sorted by system, then value, as when read later
      identifiers: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-11-2222', type: 'SS' }, { system: 'urn:test:mrn', value: 'MR-1', type: 'MR' }],
      deceased: false,
      deceasedAt: null,
      active: true,
    });
    const tokens = await sql(`select token from patients.patient_name_token where patient_id = ? order by token`, [patient.id]);
    expect(tokens.map((t: any) => t.token)).toEqual(['jose', 'maria', 'muller']);
    const [stored] = await sql(`select sort_name from patients.patient where id = ?`, [patient.id]);
    expect(stored.sort_name).toBe('muller jose maria');

    const { patient: read } = await graphqlOk(service.url, `query ($id: ID!) { patient(id: $id) { id identifiers { value } birthDate } }`, { id: patient.id });
    expect(read).toEqual({ id: patient.id, identifiers: [{ value: '999-11-2222' }, { value: 'MR-1' }], birthDate: '1980-02-29' });
  });

  it('finds patients by case- and accent-insensitive name prefixes, every word matching some name', async () => {
    await create({ names: [{ family: 'Kris', given: ['Nona'] }] });
    await create({ names: [{ family: 'Smith', given: ['Nona'] }] });
    await create({ names: [{ family: 'Krämer', given: ['Otto'] }] });

    expect(families(await search({ name: 'nona kr' }))).toEqual(['Nona Kris']);
    expect(families(await search({ name: 'KR' }))).toEqual(['Otto Krämer', 'Nona Kris']);
    expect(families(await search({ name: 'kram' }))).toEqual(['Otto Krämer']);
    expect(families(await search({ name: 'MULLER' }))).toEqual(['José María Müller']);
    expect(families(await search({ name: 'müll josé' }))).toEqual(['José María Müller']);
    expect(families(await search({ name: 'nona' }))).toEqual(['Nona Kris', 'Nona Smith']);
    expect((await search({ name: 'nona zz' })).edges).toEqual([]);
    // LIKE wildcards are literal
    expect((await search({ name: '%' })).edges).toEqual([]);
  });

  it('filters by birth date and identifier, alone and combined with the name', async () => {
    const a = await create({ names: [{ family: 'Datefilter', given: ['Ann'] }], birthDate: '1991-05-17', identifiers: [{ system: 'urn:test:dl', value: 'D-1' }] });
    await create({ names: [{ family: 'Datefilter', given: ['Bob'] }], birthDate: '1991-05-17' });
    await create({ names: [{ family: 'Datefilter', given: ['Cid'] }], birthDate: '1992-01-01', identifiers: [{ system: 'urn:test:other', value: 'D-1' }] });

    expect(families(await search({ birthDate: '1991-05-17' }))).toEqual(['Ann Datefilter', 'Bob Datefilter']);
    expect(families(await search({ birthDate: '1991-05-17', name: 'bo' }))).toEqual(['Bob Datefilter']);
    const byIdentifier = await search({ identifier: { system: 'urn:test:dl', value: 'D-1' } });
    expect(byIdentifier.edges.map((e: any) => e.node.id)).toEqual([a.id]);
    expect((await search({ identifier: { system: 'urn:test:dl', value: 'D-1' }, birthDate: '1992-01-01' })).edges).toEqual([]);
    expect((await search({ identifier: { system: 'urn:test:dl', value: 'd-1' } })).edges).toEqual([]);
  });

  it('filters by organization through registrations', async () => {
    const org = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "Filter Clinic", type: PRACTICE }) { id } }`)).createOrganization;
    const inOrg = await create({ names: [{ family: 'Orgfilter', given: ['Inside'] }] });
    await create({ names: [{ family: 'Orgfilter', given: ['Outside'] }] });
    await graphqlOk(service.url, `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`, {
      input: { patientId: inOrg.id, organizationId: org.id, mrn: 'F-1' },
    });
    const found = await search({ organizationId: org.id });
    expect(found.totalCount).toBe(1);
    expect(found.edges[0].node.id).toBe(inOrg.id);
    expect((await search({ organizationId: org.id, name: 'outside' })).edges).toEqual([]);
    expect(families(await search({ organizationId: org.id, name: 'ins orgf' }))).toEqual(['Inside Orgfilter']);
  });

  it('pages through a search with keyset cursors in name order, without repeats', async () => {
    for (const given of ['Eve', 'Dan', 'Amy', 'Cat', 'Ben']) await create({ names: [{ family: 'Pager', given: [given] }] });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = await search({ name: 'pager', first: 2, after });
      expect(page.totalCount).toBe(5);
      seen.push(...families(page));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(['Amy Pager', 'Ben Pager', 'Cat Pager', 'Dan Pager', 'Eve Pager']);
  });

  it('computes totalCount only when selected', async () => {
    const response = await graphqlOk(service.url, `{ patients(first: 1) { edges { node { id } } } }`);
    expect(response.patients.edges).toHaveLength(1);
    const counted = await graphqlOk(service.url, `{ patients(first: 1) { totalCount } }`);
    expect(counted.patients.totalCount).toBe((await rowCounts()).patients);
  });

  it('updates a patient keeping identifiers and name tokens in sync', async () => {
    const patient = await create({ names: [{ family: 'Before', given: ['Change'] }], identifiers: [{ system: 'urn:test:u', value: 'U-1' }, { system: 'urn:test:u', value: 'U-2' }] });
    const updated = await graphqlOk(service.url, UPDATE, {
      input: { id: patient.id, names: [{ family: "O'Brien-Núñez", given: ['Changed'] }], identifiers: [{ system: 'urn:test:u', value: 'U-2', type: 'MR' }, { system: 'urn:test:u', value: 'U-3' }], language: 'fr' },
    });
    expect(updated.updatePatient).toMatchObject({ names: [{ family: "O'Brien-Núñez" }], language: 'fr', identifiers: [{ value: 'U-2', type: 'MR' }, { value: 'U-3' }] });
    expect(new Date(updated.updatePatient.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(patient.updatedAt).getTime());

    expect((await search({ name: 'before' })).edges).toEqual([]);
    for (const name of ['obrien', 'nunez', "o'brien-nu", 'brien changed']) {
      expect((await search({ name })).edges.map((e: any) => e.node.id)).toEqual([patient.id]);
    }
    expect((await search({ identifier: { system: 'urn:test:u', value: 'U-1' } })).edges).toEqual([]);
    expect((await search({ identifier: { system: 'urn:test:u', value: 'U-3' } })).edges.map((e: any) => e.node.id)).toEqual([patient.id]);
    const rows = await sql(`select value, type from patients.patient_identifier where patient_id = ? order by value`, [patient.id]);
    expect(rows).toEqual([{ value: 'U-2', type: 'MR' }, { value: 'U-3', type: null }]);

    // a field left out stays; null clears a nullable one
    const cleared = await graphqlOk(service.url, UPDATE, { input: { id: patient.id, language: null, deceasedAt: '2020-01-02T03:04:05Z' } });
    expect(cleared.updatePatient).toMatchObject({ language: null, deceased: true, deceasedAt: '2020-01-02T03:04:05.000Z', names: [{ family: "O'Brien-Núñez" }] });
  });

  const tomorrow = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const valid = { names: [{ family: 'Valid', given: ['Val'] }], gender: 'FEMALE', identifiers: [{ system: 'urn:test:v', value: 'V-1' }] };
  it.each([
    ['birthDate in the future', { birthDate: tomorrow }, 'birthDate'],
    ['birthDate not a real date', { birthDate: '2021-02-30' }, 'birthDate'],
    ['birthDate in another format', { birthDate: '03/04/2001' }, 'birthDate'],
    ['no names', { names: [] }, 'names'],
    ['a name without family or given', { names: [{ prefix: ['Dr.'] }] }, 'names[0]'],
    ['an empty identifier system', { identifiers: [{ system: '', value: 'X' }] }, 'identifiers[0].system'],
    ['an empty identifier value', { identifiers: [{ system: 'urn:x', value: '' }] }, 'identifiers[0].value'],
    ['the same identifier twice', { identifiers: [{ system: 'urn:x', value: '1' }, { system: 'urn:x', value: '1' }] }, 'identifiers[1]'],
    ['a language that is not BCP-47', { language: 'English (US)' }, 'language'],
    ['a deceasedAt with deceased false', { deceased: false, deceasedAt: '2020-01-01T00:00:00Z' }, 'deceasedAt'],
    ['a deceasedAt before birth', { birthDate: '2000-01-01', deceasedAt: '1999-01-01T00:00:00Z' }, 'deceasedAt'],
    ['a deceasedAt in the future', { deceasedAt: `${tomorrow}T00:00:00Z` }, 'deceasedAt'],
    ['an invalid telecom system', { telecom: [{ system: 'pigeon', value: 'x' }] }, 'telecom[0].system'],
  ])('rejects %s with BAD_USER_INPUT naming the field, and writes nothing', async (_label, override, field) => {
    const before = await rowCounts();
    const response = await graphql(service.url, CREATE, { input: { ...valid, ...override } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(JSON.stringify(response.errors)).not.toContain('Valid'); // no PHI echoed back
    expect(await rowCounts()).toEqual(before);
  });

  it('rejects a gender outside the enum before anything runs', async () => {
    const before = await rowCounts();
    const response = await graphql(service.url, CREATE, { input: { ...valid, gender: 'ROBOT' } });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await rowCounts()).toEqual(before);
  });

  it('changes nothing when an update is rejected part-way', async () => {
    const patient = await create({ names: [{ family: 'Stable', given: ['Stay'] }], identifiers: [{ system: 'urn:s', value: 'S-1' }] });
    const before = await rowCounts();
    const response = await graphql(service.url, UPDATE, {
      input: { id: patient.id, names: [{ family: 'Moved', given: ['Gone'] }], identifiers: [{ system: 'urn:s', value: 'S-2' }, { system: 'urn:s', value: 'S-2' }] },
    });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'identifiers[1]' });
    expect(await rowCounts()).toEqual(before);
    const { patient: after } = await graphqlOk(service.url, `query ($id: ID!) { patient(id: $id) { names { family } identifiers { value } } }`, { id: patient.id });
    expect(after).toEqual({ names: [{ family: 'Stable' }], identifiers: [{ value: 'S-1' }] });
    expect((await search({ name: 'moved' })).edges).toEqual([]);
  });

  it('answers an unknown patient with NOT_FOUND on update and null on read', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const response = await graphql(service.url, UPDATE, { input: { id: missing, language: 'en' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect((await graphqlOk(service.url, `query ($id: ID!) { patient(id: $id) { id } }`, { id: missing })).patient).toBeNull();
    const malformed = await graphql(service.url, `{ patient(id: "nope") { id } }`);
    expect(malformed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('resolves Patient references for other subgraphs (_entities), unknown ids as null', async () => {
    const patient = await create({ names: [{ family: 'Entity', given: ['Ref'] }], identifiers: [{ system: 'urn:e', value: 'E-1' }] });
    const data = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Patient { id names { family } identifiers { value } } } }`, {
      reps: [
        { __typename: 'Patient', id: patient.id },
        { __typename: 'Patient', id: '00000000-0000-4000-8000-000000000000' },
        { __typename: 'Patient', id: 'not-a-uuid' },
      ],
    });
    expect(data._entities).toEqual([{ id: patient.id, names: [{ family: 'Entity' }], identifiers: [{ value: 'E-1' }] }, null, null]);
  });
});
