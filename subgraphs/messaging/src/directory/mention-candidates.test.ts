import { randomUUID } from 'node:crypto';
import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertClinician, messagingWithHub, recordingLiveHub } from '../../../../test/support/messaging';
import { insertConsent, insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';

const CANDIDATES = `query ($patientId: ID!, $name: String, $first: Int, $after: String) {
  mentionCandidates(patientId: $patientId, name: $name, first: $first, after: $after) {
    edges { cursor node { userId displayName role organizationId organization { id } practitionerId } }
    pageInfo { hasNextPage endCursor }
  } }`;

describe('messaging subgraph: who may be @mentioned on a chart', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let orgA: string;
  let orgB: string;
  let orgC: string;
  // the patient is registered at A and shares the clinical record with B; C has nothing
  let shared: string;
  let aOnly: string;
  let caller: UserPrincipal;
  const practitioner = { ana: randomUUID(), abe: randomUUID(), bea: randomUUID(), cal: randomUUID(), old: randomUUID() };
  const users: Record<string, UserPrincipal> = {};

  beforeAll(async () => {
    db = await createTestDatabase('mention_candidates');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy messaging asks
    service = await startTestSubgraph(messagingWithHub(recordingLiveHub()), db.url);
    [orgA, orgB, orgC] = await Promise.all([insertOrganization(db.url), insertOrganization(db.url), insertOrganization(db.url)]);
    shared = await insertPatient(db.url, [orgA]);
    await insertConsent(db.url, shared, orgB, 'clinical');
    aOnly = await insertPatient(db.url, [orgA]);
    caller = await insertClinician(db.url, orgA, { displayName: 'Dr Zoe Caller', practitionerId: randomUUID() });
    users.ana = await insertClinician(db.url, orgA, { displayName: 'Dr. Ana-María Müller', practitionerId: practitioner.ana });
    users.abe = await insertClinician(db.url, orgA, { role: 'nurse', displayName: 'Abe Nurse', practitionerId: practitioner.abe });
    users.bea = await insertClinician(db.url, orgB, { displayName: 'Dr Bea Okafor', practitionerId: practitioner.bea });
    users.cal = await insertClinician(db.url, orgC, { displayName: 'Dr Cal Outside', practitionerId: practitioner.cal });
    users.old = await insertClinician(db.url, orgA, { displayName: 'Dr Ann Old', practitionerId: practitioner.old, active: false });
    users.unlinked = await insertClinician(db.url, orgA, { displayName: 'Dr Ann Unlinked' });
    // 150 colleagues at C, sorting before everyone else: refused, and more than one scan of the directory
    await withSql(db.url, (sql) => sql(
      `insert into messaging.directory_account (user_id, role, organization_id, practitioner_id, display_name, active, last_event_id)
       select gen_random_uuid(), 'physician', $1, gen_random_uuid(), 'Aaron ' || lpad(n::text, 3, '0'), true, 0 from generate_series(1, 150) as n`,
      [orgC],
    ));
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const candidates = async (variables: Record<string, unknown>, principal: UserPrincipal = caller) =>
    (await graphqlOk(service.url, CANDIDATES, { patientId: shared, ...variables }, { principal })).mentionCandidates;
  const names = (page: { edges: { node: { displayName: string } }[] }) => page.edges.map((edge) => edge.node.displayName);

  it('offers the active physicians and nurses linked to a practitioner who may read the chart, by name, without the caller', async () => {
    const page = await candidates({ first: 20 });
    expect(names(page)).toEqual(['Abe Nurse', 'Dr Bea Okafor', 'Dr. Ana-María Müller']);
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(page.edges[1].node).toEqual({
      userId: users.bea.userId, displayName: 'Dr Bea Okafor', role: 'PHYSICIAN', organizationId: orgB, organization: { id: orgB }, practitionerId: practitioner.bea,
    });
    expect(page.edges[0].node).toMatchObject({ role: 'NURSE', practitionerId: practitioner.abe });
  });

  it('matches every word as a case- and accent-insensitive prefix of a word of the name', async () => {
    expect(names(await candidates({ name: 'mul' }))).toEqual(['Dr. Ana-María Müller']);
    expect(names(await candidates({ name: 'MARIA' }))).toEqual(['Dr. Ana-María Müller']);
    expect(names(await candidates({ name: 'dr.ana' }))).toEqual(['Dr. Ana-María Müller']);
    expect(names(await candidates({ name: 'ok dr' }))).toEqual(['Dr Bea Okafor']);
    expect(names(await candidates({ name: 'kafor' }))).toEqual([]); // a prefix, not a substring
    expect(names(await candidates({ name: '100%_' }))).toEqual([]); // LIKE wildcards match themselves
    expect(names(await candidates({ name: 'cal' }))).toEqual([]); // C may not read the chart
  });

  it('pages through the list with cursors, each candidate once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard += 1) {
      const page: { edges: { node: { displayName: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = await candidates({ first: 1, after });
      seen.push(...names(page));
      expect(page.edges.length).toBeLessThanOrEqual(1);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Abe Nurse', 'Dr Bea Okafor', 'Dr. Ana-María Müller']);
    const bad = await graphql(service.url, CANDIDATES, { patientId: shared, after: 'not-a-cursor' }, { principal: caller });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('answers a chart the caller may not read as not found, and refuses roles that do not comment', async () => {
    const outsider = await insertClinician(db.url, orgC, { displayName: 'Dr Other Outside' });
    const hidden = await graphql(service.url, CANDIDATES, { patientId: aOnly }, { principal: users.bea });
    expect(hidden.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
    const unknown = await graphql(service.url, CANDIDATES, { patientId: randomUUID() }, { principal: outsider });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
    const billing = await graphql(service.url, CANDIDATES, { patientId: shared }, { principal: staff('billing', orgA) });
    expect(billing.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(billing.data?.mentionCandidates ?? null).toBeNull();
  });

  it('audits the list as a read of the patient, and a refusal as a denial', async () => {
    await candidates({ name: 'okafor' }, users.ana);
    await graphql(service.url, CANDIDATES, { patientId: aOnly }, { principal: users.bea });
    const rows = await withSql(db.url, (sql) => sql(
      `select actor_id, patient_id, outcome, record_types from audit.event where service = 'messaging' and actor_id in ($1, $2) and record_types @> array['MentionCandidate'] order by id`,
      [users.ana.userId, users.bea.userId],
    ));
    expect(rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor_id: users.ana.userId, patient_id: shared, outcome: 'success' }),
      expect.objectContaining({ actor_id: users.bea.userId, patient_id: aOnly, outcome: 'denied' }),
    ]));
  });

  it("names a comment's author from the directory", async () => {
    const added = await graphqlOk(service.url, `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { author { userId displayName } } }`,
      { input: { patientId: shared, body: 'Could you look at the potassium?', mentions: [practitioner.bea] } }, { principal: users.ana });
    expect(added.addChartComment.author).toEqual({ userId: users.ana.userId, displayName: 'Dr. Ana-María Müller' });
  });
});
