import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertClinician, messagingWithHub, recordingLiveHub } from '../../../../test/support/messaging';
import { insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';

const COLLEAGUES = `query ($name: String, $patientId: ID, $first: Int, $after: String) {
  colleagues(name: $name, patientId: $patientId, first: $first, after: $after) {
    totalCount edges { node { userId displayName role practitionerId } } pageInfo { hasNextPage endCursor }
  } }`;

describe('messaging subgraph: colleagues to message', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let orgA: string;
  // registered at A; registered at B only (A's clinicians do not see them without break-glass)
  let ours: string;
  let theirs: string;
  let caller: UserPrincipal;
  const users: Record<string, UserPrincipal> = {};

  beforeAll(async () => {
    db = await createTestDatabase('colleagues');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy messaging asks
    service = await startTestSubgraph(messagingWithHub(recordingLiveHub()), db.url);
    const [a, b] = await Promise.all([insertOrganization(db.url), insertOrganization(db.url)]);
    orgA = a;
    [ours, theirs] = await Promise.all([insertPatient(db.url, [a]), insertPatient(db.url, [b])]);
    caller = await insertClinician(db.url, orgA, { displayName: 'Dr Zoe Caller' });
    users.ana = await insertClinician(db.url, orgA, { displayName: 'Dr Ana Ruiz' });
    users.abe = await insertClinician(db.url, orgA, { role: 'nurse', displayName: 'Abe Nurse' });
    users.old = await insertClinician(db.url, orgA, { displayName: 'Dr Ann Old', active: false });
    users.bea = await insertClinician(db.url, b, { displayName: 'Dr Bea Elsewhere' });
    // a billing clerk of A in the directory: not a clinician, so no one to message
    await withSql(db.url, (sql) => sql(
      `insert into messaging.directory_account (user_id, role, organization_id, display_name, active, last_event_id) values (gen_random_uuid(), 'billing', $1, 'Bill Clerk', true, 0)`,
      [orgA],
    ));
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const colleagues = async (variables: Record<string, unknown> = {}, principal: UserPrincipal = caller) =>
    (await graphqlOk(service.url, COLLEAGUES, variables, { principal })).colleagues;
  const names = (page: { edges: { node: { displayName: string } }[] }) => page.edges.map((edge) => edge.node.displayName);

  it('lists the active physicians and nurses of the caller’s organization by name, leaving out the caller', async () => {
    const page = await colleagues();
    expect(names(page)).toEqual(['Abe Nurse', 'Dr Ana Ruiz']);
    expect(page.totalCount).toBe(2);
    expect(page.edges[0].node).toEqual({ userId: users.abe.userId, displayName: 'Abe Nurse', role: 'NURSE', practitionerId: null });
  });

  it('matches every word of the name, case-insensitively, and pages by name', async () => {
    expect(names(await colleagues({ name: 'ruiz' }))).toEqual(['Dr Ana Ruiz']);
    expect(names(await colleagues({ name: 'dr ANA' }))).toEqual(['Dr Ana Ruiz']);
    expect(names(await colleagues({ name: 'dr bea' }))).toEqual([]); // another organization
    expect(names(await colleagues({ name: '%' }))).toEqual([]); // wildcards are matched literally
    const first = await colleagues({ first: 1 });
    expect(names(first)).toEqual(['Abe Nurse']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await colleagues({ first: 1, after: first.pageInfo.endCursor });
    expect(names(second)).toEqual(['Dr Ana Ruiz']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('about a patient, keeps only those who may see the chart, and only for a caller who sees it', async () => {
    expect(names(await colleagues({ patientId: ours }))).toEqual(['Abe Nurse', 'Dr Ana Ruiz']);
    const hidden = await graphql(service.url, COLLEAGUES, { patientId: theirs }, { principal: caller });
    expect(hidden.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });

    // under the caller's own break-glass the chart opens to them, not to their colleagues
    await graphqlOk(patients.url, 'mutation ($id: ID!) { breakGlass(patientId: $id, reason: "Unconscious in the ER, history unknown") { id } }', { id: theirs }, { principal: caller });
    const page = await colleagues({ patientId: theirs });
    expect(names(page)).toEqual([]);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it('gives startThread the ids it takes, and the thread names each participant’s organization', async () => {
    const [nurse] = (await colleagues({ name: 'abe' })).edges;
    const started = await graphqlOk(service.url, `mutation ($input: StartThreadInput!) { startThread(input: $input) { participants { userId organization { id } } } }`,
      { input: { kind: 'DIRECT', participantUserIds: [nurse.node.userId] } }, { principal: caller });
    expect(started.startThread.participants).toEqual(expect.arrayContaining([
      { userId: caller.userId, organization: { id: orgA } },
      { userId: users.abe.userId, organization: { id: orgA } },
    ]));
  });

  it('is for physicians and nurses only', async () => {
    const response = await graphql(service.url, COLLEAGUES, {}, { principal: staff('billing', orgA) });
    expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
