import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, partnerApp, patientUser, staff, withSql } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: patients', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  // the caller: a physician of the organization where the patients they create are registered
  let homeId: string;
  let physician: Principal;
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = physician) => call(url, query, variables, { principal });
  const graphqlOk = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = physician) => callOk(url, query, variables, { principal });

  beforeAll(async () => {
    db = await createTestDatabase('patients');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    homeId = await insertOrganization(db.url, 'Home Hospital');
    physician = staff('physician', homeId);
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

  const create = async (input: Record<string, unknown>, principal: Principal = physician) =>
    (await graphqlOk(service.url, CREATE, { input: { gender: 'UNKNOWN', ...input } }, principal)).createPatient;
  const search = async (variables: Record<string, unknown>, principal: Principal = physician) => (await graphqlOk(service.url, SEARCH, variables, principal)).patients;
  const families = (connection: any) => connection.edges.map((e: any) => `${e.node.names[0].given.join(' ')} ${e.node.names[0].family}`);
  const sql = async (query: string, params: unknown[] = []) => service.orm.em.fork().getConnection().execute(query, params);
  const rowCounts = async () => {
    const [row] = await sql(`select (select count(*) from patients.patient)::int as patients,
      (select count(*) from patients.patient_identifier)::int as identifiers, (select count(*) from patients.patient_name_token)::int as tokens,
      (select count(*) from patients.patient_registration)::int as registrations`);
    return row;
  };
  /** The audit rows about one patient, oldest first (optionally only those of one actor). */
  const auditOf = (patientId: string, actor?: Principal) => withSql(db.url, (q) => q(
    `select action, outcome, record_types, purpose, detail, actor_id from audit.event
     where patient_id = $1 and ($2::text is null or actor_id = $2) order by id`,
    [patientId, actor && actor.kind === 'user' ? actor.userId : null]));

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
    const org = { id: await insertOrganization(db.url, 'Filter Clinic', 'practice') };
    const inOrg = await create({ names: [{ family: 'Orgfilter', given: ['Inside'] }] });
    await create({ names: [{ family: 'Orgfilter', given: ['Outside'] }] });
    // referred to the clinic with consent, and registered there by its own staff
    await insertConsent(db.url, inOrg.id, org.id, 'clinical');
    await graphqlOk(service.url, `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`, {
      input: { patientId: inOrg.id, organizationId: org.id, mrn: 'F-1' },
    }, staff('nurse', org.id));
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

  it('computes totalCount only when selected (over the patients the caller may see)', async () => {
    // a clinic of its own, so the count is exactly the patients registered there
    const clinicPhysician = staff('physician', await insertOrganization(db.url, 'Count Clinic'));
    for (const family of ['Counta', 'Countb', 'Countc']) await create({ names: [{ family }] }, clinicPhysician);
    const response = await graphqlOk(service.url, `{ patients(first: 1) { edges { node { id } } } }`, {}, clinicPhysician);
    expect(response.patients.edges).toHaveLength(1);
    const counted = await graphqlOk(service.url, `{ patients(first: 1) { totalCount } }`, {}, clinicPhysician);
    expect(counted.patients.totalCount).toBe(3);
    // asked for inside a fragment on the connection, as generated clients write it
    const throughFragments = await graphqlOk(service.url, `{ patients(first: 1) { ...page } } fragment page on PatientConnection { ... on PatientConnection { totalCount } }`, {}, clinicPhysician);
    expect(throughFragments.patients.totalCount).toBe(3);
    expect((await rowCounts()).patients).toBeGreaterThan(3);
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

  describe('access control', () => {
    const REGISTRATIONS = `query ($id: ID!) { patient(id: $id) { id registrations { id mrn status organization { id } } } }`;
    const READ = `query ($id: ID!) { patient(id: $id) { id names { family } } }`;
    let otherId: string;
    let otherPhysician: Principal;
    // one patient per way of being (in)visible to a physician of the home organization
    const seen: Record<string, string> = {};
    beforeAll(async () => {
      otherId = await insertOrganization(db.url, 'Other Hospital');
      otherPhysician = staff('physician', otherId);
      seen.registered = (await create({ names: [{ family: 'Visibility', given: ['Registered'] }] })).id;
      seen.consented = (await create({ names: [{ family: 'Visibility', given: ['Consented'] }] }, otherPhysician)).id;
      await insertConsent(db.url, seen.consented, homeId, 'clinical');
      seen.elsewhere = (await create({ names: [{ family: 'Visibility', given: ['Elsewhere'] }] }, otherPhysician)).id;
      seen.billingConsent = (await create({ names: [{ family: 'Visibility', given: ['Billingconsent'] }] }, otherPhysician)).id;
      await insertConsent(db.url, seen.billingConsent, homeId, 'billing');
      seen.inactive = (await create({ names: [{ family: 'Visibility', given: ['Inactive'] }] })).id;
      const { patient } = await graphqlOk(service.url, REGISTRATIONS, { id: seen.inactive });
      await graphqlOk(service.url, `mutation ($input: UpdateRegistrationInput!) { updateRegistration(input: $input) { id } }`,
        { input: { id: patient.registrations[0].id, status: 'INACTIVE' } });
    });
    const ids = (connection: any) => connection.edges.map((e: any) => e.node.id);

    it('patients(...) lists only the patients visible to the caller: registered at their organization or consented to it', async () => {
      const found = await search({ name: 'visibility' });
      expect(ids(found)).toEqual([seen.consented, seen.registered]);
      expect(found.totalCount).toBe(2);
      // the organization filter does not reveal the other hospital's patients
      const atOther = await search({ name: 'visibility', organizationId: otherId });
      expect(ids(atOther)).toEqual([seen.consented]);
      expect(atOther.totalCount).toBe(1);
      // the other hospital sees its own
      expect(ids(await search({ name: 'visibility' }, otherPhysician))).toEqual([seen.billingConsent, seen.consented, seen.elsewhere]);
    });

    it('patients(...) follows each role: billing counts billing consents, admins registrations only, a patient sees themself', async () => {
      expect(ids(await search({ name: 'visibility' }, staff('billing', homeId)))).toEqual([seen.billingConsent, seen.registered]);
      expect(ids(await search({ name: 'visibility' }, staff('org_admin', homeId)))).toEqual([seen.registered]);
      expect(ids(await search({ name: 'visibility' }, staff('compliance', homeId)))).toEqual([seen.registered]);
      expect(ids(await search({ name: 'visibility' }, patientUser(seen.elsewhere)))).toEqual([seen.elsewhere]);
      expect(ids(await search({}, patientUser(seen.elsewhere)))).toEqual([seen.elsewhere]);
      // a partner app with no read scope sees nobody
      expect(await search({ name: 'visibility' }, partnerApp(homeId, ['launch']))).toMatchObject({ totalCount: 0, edges: [] });
    });

    it('answers patient(id) and _entities of a hidden patient exactly like an unknown id (null)', async () => {
      const unknown = '00000000-0000-4000-8000-00000000abcd';
      // what a caller can observe: status, data and errors (the request id differs per request)
      const answer = async (id: string) => {
        const { status, data, errors } = await graphql(service.url, READ, { id });
        return { status, data, errors };
      };
      const unknownAnswer = await answer(unknown);
      expect(unknownAnswer).toEqual({ status: 200, data: { patient: null }, errors: undefined });
      for (const hidden of [seen.elsewhere, seen.billingConsent, seen.inactive]) {
        expect(await answer(hidden)).toEqual(unknownAnswer);
      }
      const entities = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Patient { id } } }`, {
        reps: [seen.registered, seen.elsewhere, unknown, seen.consented].map((id) => ({ __typename: 'Patient', id })),
      });
      expect(entities._entities).toEqual([{ id: seen.registered }, null, null, { id: seen.consented }]);
    });

    describe('createPatient', () => {
      it("registers the new patient at the caller's organization, keeping a given MRN", async () => {
        const created = await create({ names: [{ family: 'Registered', given: ['Mrn'] }], mrn: 'HOME-42' });
        const { patient } = await graphqlOk(service.url, REGISTRATIONS, { id: created.id });
        expect(patient.registrations).toEqual([{ id: expect.any(String), mrn: 'HOME-42', status: 'ACTIVE', organization: { id: homeId } }]);
      });

      it('generates an MRN CG-XXXXXXXXXX when none is given, for nurses and org admins too', async () => {
        for (const principal of [physician, staff('nurse', homeId), staff('org_admin', homeId)]) {
          const created = await create({ names: [{ family: 'Generated', given: ['Mrn'] }] }, principal);
          const { patient } = await graphqlOk(service.url, REGISTRATIONS, { id: created.id }, principal);
          expect(patient.registrations).toHaveLength(1);
          expect(patient.registrations[0].organization).toEqual({ id: homeId });
          expect(patient.registrations[0].mrn).toMatch(/^CG-[A-Z2-9]{10}$/);
        }
      });

      it('answers an MRN already used at the organization with BAD_USER_INPUT on mrn, without echoing it, and writes nothing', async () => {
        await create({ names: [{ family: 'Firstmrn' }], mrn: 'HOME-DUP' });
        const before = await rowCounts();
        const response = await graphql(service.url, CREATE, { input: { ...valid, mrn: 'HOME-DUP' } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'mrn' });
        expect(JSON.stringify(response.errors)).not.toContain('HOME-DUP');
        expect(await rowCounts()).toEqual(before);
        // the same MRN at another organization is fine
        expect((await create({ names: [{ family: 'Secondmrn' }], mrn: 'HOME-DUP' }, otherPhysician)).id).toEqual(expect.any(String));
      });

      it.each([
        ['billing staff', () => staff('billing', homeId)],
        ['a compliance officer', () => staff('compliance', homeId)],
        ['a patient', () => patientUser(seen.registered)],
        ['a partner app', () => partnerApp(homeId, ['system/*.*'])],
      ])('refuses %s with FORBIDDEN, writing nothing but the audit row of the refusal', async (_label, principal) => {
        const before = await rowCounts();
        const caller = principal();
        const actorId = caller.kind === 'user' ? caller.userId : caller.kind === 'client' ? caller.clientId : null;
        const response = await graphql(service.url, CREATE, { input: valid }, caller);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
        expect(response.data?.createPatient ?? null).toBeNull();
        expect(await rowCounts()).toEqual(before);
        const audit = await withSql(db.url, (q) => q(`select action, outcome, detail->>'code' as code from audit.event where actor_id = $1`, [actorId]));
        expect(audit).toEqual([{ action: 'write', outcome: 'denied', code: 'FORBIDDEN' }]);
      });
    });

    describe('updatePatient', () => {
      const languageOf = async (id: string) => (await sql(`select language from patients.patient where id = ?`, [id]))[0].language;

      it('refuses a physician who sees the patient only through consent with FORBIDDEN, changing nothing', async () => {
        // seen.consented is registered at the other hospital, consented to home
        const before = await languageOf(seen.consented);
        const response = await graphql(service.url, UPDATE, { input: { id: seen.consented, language: 'fr' } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
        expect(await languageOf(seen.consented)).toBe(before);
        // its own organization may
        expect((await graphqlOk(service.url, UPDATE, { input: { id: seen.consented, language: 'fr' } }, otherPhysician)).updatePatient.language).toBe('fr');
      });

      it('answers a physician who cannot see the patient like an unknown id: NOT_FOUND on id, changing nothing', async () => {
        const response = await graphql(service.url, UPDATE, { input: { id: seen.elsewhere, language: 'fr' } });
        const unknown = await graphql(service.url, UPDATE, { input: { id: '00000000-0000-4000-8000-00000000abcd', language: 'fr' } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
        expect(response.errors?.[0].message).toBe(unknown.errors?.[0].message);
        expect(await languageOf(seen.elsewhere)).toBeNull();
      });

      it.each([
        ['billing staff of the registering organization', () => staff('billing', homeId)],
        ['a compliance officer of the registering organization', () => staff('compliance', homeId)],
        ['the patient', () => patientUser(seen.registered)],
        ['a partner app of the registering organization', () => partnerApp(homeId, ['system/*.*'])],
      ])('refuses %s with FORBIDDEN, changing nothing', async (_label, principal) => {
        const response = await graphql(service.url, UPDATE, { input: { id: seen.registered, language: 'es' } }, principal());
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
        expect(await languageOf(seen.registered)).toBeNull();
      });
    });

    it("writes an audit row with every change (action write, record type Patient), by the caller", async () => {
      const created = await create({ names: [{ family: 'Audited', given: ['Writes'] }] });
      await graphqlOk(service.url, UPDATE, { input: { id: created.id, language: 'it' } });
      const rows = await auditOf(created.id, physician);
      const writes = rows.filter((row: any) => row.action === 'write');
      expect(writes).toEqual([
        expect.objectContaining({ outcome: 'success', record_types: ['Patient'], purpose: 'treatment', detail: { operation: 'create' } }),
        expect.objectContaining({ outcome: 'success', record_types: ['Patient'], purpose: 'treatment', detail: { operation: 'update' } }),
      ]);
    });

    it('audits reads: one success row for a visible patient, one denied row for a hidden one, none for an unknown id', async () => {
      const reader = staff('physician', homeId);
      expect((await graphqlOk(service.url, READ, { id: seen.registered }, reader)).patient).toEqual({ id: seen.registered, names: [{ family: 'Visibility' }] });
      expect(await auditOf(seen.registered, reader)).toEqual([
        { action: 'read', outcome: 'success', record_types: ['Patient'], purpose: 'treatment', detail: { records: 1 }, actor_id: reader.userId },
      ]);

      expect((await graphqlOk(service.url, READ, { id: seen.elsewhere }, reader)).patient).toBeNull();
      expect(await auditOf(seen.elsewhere, reader)).toEqual([expect.objectContaining({ action: 'read', outcome: 'denied', record_types: ['Patient'] })]);

      const unknown = '00000000-0000-4000-8000-00000000beef';
      expect((await graphqlOk(service.url, READ, { id: unknown }, reader)).patient).toBeNull();
      expect(await auditOf(unknown)).toEqual([]);
    });

    it('audits a search: one read row per patient listed', async () => {
      const reader = staff('nurse', homeId);
      expect(ids(await search({ name: 'visibility' }, reader))).toEqual([seen.consented, seen.registered]);
      for (const id of [seen.consented, seen.registered]) {
        expect(await auditOf(id, reader)).toEqual([expect.objectContaining({ action: 'read', outcome: 'success', record_types: ['Patient'], purpose: 'treatment' })]);
      }
      expect(await auditOf(seen.elsewhere, reader)).toEqual([]);
    });
  });
});
