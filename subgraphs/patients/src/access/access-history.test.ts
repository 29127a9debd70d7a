import { randomUUID } from 'node:crypto';
import { appendAudit, type AuditEvent, type Principal, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: Patient.accessHistory', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let alice: string; // active registration at home, inactive at former
  let bob: string; // registered elsewhere only
  let homeId: string;
  let formerId: string;
  let elsewhereId: string;
  const em = () => service.orm.em.fork() as EntityManager;
  const user = (role: string, organizationId: string | null, patientId: string | null = null, userId = randomUUID()): Principal =>
    ({ kind: 'user', userId, role, organizationId, patientId, sessionId: 's' }) as Principal;

  const HISTORY = `query ($id: ID!, $first: Int, $after: String) {
    patient(id: $id) {
      id gender
      accessHistory(first: $first, after: $after) {
        edges { cursor node { id occurredAt actorType actorId actorRole actorOrganizationId actorOrganization { id name } action outcome recordTypes purpose breakGlass } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }`;
  const history = (principal: Principal, id: string, variables: Record<string, unknown> = {}) =>
    graphql(service.url, HISTORY, { id, first: 20, ...variables }, { principal });

  let physicianHome: Principal;
  let physicianElsewhere: Principal;
  let billingElsewhere: Principal;

  beforeAll(async () => {
    db = await createTestDatabase('access_history');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    const patient = `mutation ($family: String!) { createPatient(input: { names: [{ family: $family }], gender: FEMALE }) { id } }`;
    alice = (await graphqlOk(service.url, patient, { family: 'Alpha' })).createPatient.id;
    bob = (await graphqlOk(service.url, patient, { family: 'Beta' })).createPatient.id;
    const org = `mutation ($name: String!) { createOrganization(input: { name: $name, type: HOSPITAL }) { id } }`;
    homeId = (await graphqlOk(service.url, org, { name: 'Home' })).createOrganization.id;
    formerId = (await graphqlOk(service.url, org, { name: 'Former' })).createOrganization.id;
    elsewhereId = (await graphqlOk(service.url, org, { name: 'Elsewhere' })).createOrganization.id;
    const register = `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`;
    await graphqlOk(service.url, register, { input: { patientId: alice, organizationId: homeId, mrn: 'H1' } });
    const former = (await graphqlOk(service.url, register, { input: { patientId: alice, organizationId: formerId, mrn: 'F1' } })).registerPatient.id;
    await graphqlOk(service.url, `mutation ($input: UpdateRegistrationInput!) { updateRegistration(input: $input) { id } }`, { input: { id: former, status: 'INACTIVE' } });
    await graphqlOk(service.url, register, { input: { patientId: bob, organizationId: elsewhereId, mrn: 'E1' } });

    physicianHome = user('physician', homeId);
    physicianElsewhere = user('physician', elsewhereId);
    billingElsewhere = user('billing', elsewhereId);
    const read = (actor: Principal, patientId: string, extra: Partial<AuditEvent> = {}): AuditEvent =>
      ({ service: 'clinical', requestId: 'r', actor, action: 'read', outcome: 'success', patientId, recordTypes: ['Observation'], purpose: 'treatment', ...extra });
    await appendAudit(em(), [
      read(physicianHome, alice, { recordTypes: ['Condition', 'Observation'] }), // 1
      read(billingElsewhere, alice, { action: 'denied', outcome: 'denied' }), // 2: not an access
      read(physicianHome, bob), // 3: someone else's record
      read(physicianElsewhere, alice, { action: 'break_glass', purpose: 'emergency', recordTypes: [] }), // 4
      read(physicianElsewhere, alice, { breakGlass: true, recordTypes: ['AllergyIntolerance'] }), // 5
      read(physicianHome, alice, { action: 'write', recordTypes: ['Encounter'] }), // 6
      { service: 'identity', actor: user('patient', null, alice), action: 'login', outcome: 'success' }, // 7: not about the record
      read(physicianElsewhere, bob), // 8
    ]);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const nodeIds = (response: Awaited<ReturnType<typeof history>>) =>
    response.data?.patient?.accessHistory?.edges.map((edge: { node: { id: string } }) => edge.node.id);

  it('shows the patient who accessed their record and when, with role, organization and the break-glass flag', async () => {
    const response = await history(user('patient', null, alice), alice);
    expect(response.errors).toBeUndefined();
    const { edges, pageInfo } = response.data.patient.accessHistory;
    expect(edges.map((edge: { node: Record<string, unknown> }) => [edge.node.id, edge.node.action, edge.node.actorRole, edge.node.breakGlass])).toEqual([
      ['6', 'WRITE', 'physician', false],
      ['5', 'READ', 'physician', true],
      ['4', 'BREAK_GLASS', 'physician', true],
      ['1', 'READ', 'physician', false],
    ]);
    expect(pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, endCursor: edges[3].cursor });
    expect(edges[3].node).toEqual({
      id: '1',
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      actorType: 'USER',
      actorId: (physicianHome as { userId: string }).userId,
      actorRole: 'physician',
      actorOrganizationId: homeId,
      actorOrganization: { id: homeId, name: 'Home' },
      action: 'READ',
      outcome: 'SUCCESS',
      recordTypes: ['Condition', 'Observation'],
      purpose: 'treatment',
      breakGlass: false,
    });
    expect(edges[2].node).toMatchObject({ actorOrganization: { id: elsewhereId, name: 'Elsewhere' }, purpose: 'emergency' });
  });

  it('a patient sees only their own history: another patient\'s field is FORBIDDEN, the rest resolves', async () => {
    const response = await history(user('patient', null, alice), bob);
    expect(response.data.patient).toEqual({ id: bob, gender: 'FEMALE', accessHistory: null });
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]).toMatchObject({ path: ['patient', 'accessHistory'], extensions: { code: 'FORBIDDEN' } });
    expect(nodeIds(await history(user('patient', null, bob), bob))).toEqual(['8', '3']);
  });

  it('compliance officers see it only where the patient has an active registration', async () => {
    expect(nodeIds(await history(user('compliance', homeId), alice))).toEqual(['6', '5', '4', '1']);
    expect(nodeIds(await history(user('compliance', elsewhereId), bob))).toEqual(['8', '3']);
    for (const principal of [user('compliance', formerId), user('compliance', elsewhereId)]) {
      const response = await history(principal, alice); // inactive registration / none
      expect(response.data.patient.id).toBe(alice);
      expect(response.data.patient.accessHistory).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('refuses everyone else: other staff roles, partner apps FORBIDDEN; anonymous UNAUTHENTICATED', async () => {
    const refused: Principal[] = [
      physicianHome, user('nurse', homeId), user('billing', homeId), user('org_admin', homeId),
      { kind: 'client', clientId: 'partner', organizationId: homeId, scopes: ['system/*.read'] },
    ];
    for (const principal of refused) {
      const response = await history(principal, alice);
      expect(response.data.patient).toMatchObject({ id: alice, accessHistory: null });
      expect(response.errors?.[0]).toMatchObject({ path: ['patient', 'accessHistory'], extensions: { code: 'FORBIDDEN' } });
    }
    const anonymous = await graphql(service.url, HISTORY, { id: alice, first: 5 });
    expect(anonymous.data.patient).toMatchObject({ id: alice, accessHistory: null });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('paginates newest first with cursors', async () => {
    const patient = user('patient', null, alice);
    const first = await history(patient, alice, { first: 3 });
    expect(nodeIds(first)).toEqual(['6', '5', '4']);
    const { pageInfo } = first.data.patient.accessHistory;
    expect(pageInfo.hasNextPage).toBe(true);
    const second = await history(patient, alice, { first: 3, after: pageInfo.endCursor });
    expect(nodeIds(second)).toEqual(['1']);
    expect(second.data.patient.accessHistory.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const bad = await history(patient, alice, { first: 3, after: 'bogus' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await history(patient, alice, { first: 500 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
