import { randomUUID } from 'node:crypto';
import { appendAudit, type AuditEvent, type Principal, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, insertPatient, withSql } from '../../../../test/support/principals';
import { graphql, startTestSubgraph } from '../../../../test/support/services';
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
  // the audit ids of the 8 accesses seeded for this test's alice and bob, in order (seeded[0] is "1" below)
  let seeded: string[];
  const ids = (...numbers: number[]) => numbers.map((n) => seeded[n - 1]);

  beforeAll(async () => {
    db = await createTestDatabase('access_history');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    homeId = await insertOrganization(db.url, 'Home');
    formerId = await insertOrganization(db.url, 'Former');
    elsewhereId = await insertOrganization(db.url, 'Elsewhere');
    physicianHome = user('physician', homeId);
    physicianElsewhere = user('physician', elsewhereId);
    billingElsewhere = user('billing', elsewhereId);
  });
  // fresh patients per test: reading a history is itself an access, recorded in that history
  beforeEach(async () => {
    alice = await insertPatient(db.url, [homeId, formerId]);
    await withSql(db.url, (sql) => sql(`update patients.patient_registration set status = 'inactive' where patient_id = $1 and organization_id = $2`, [alice, formerId]));
    bob = await insertPatient(db.url, [elsewhereId]);
    const read = (actor: Principal, patientId: string, extra: Partial<AuditEvent> = {}): AuditEvent =>
      ({ service: 'clinical', requestId: 'r', actor, action: 'read', outcome: 'success', patientId, recordTypes: ['Observation'], purpose: 'treatment', ...extra });
    seeded = await appendAudit(em(), [
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
      [seeded[5], 'WRITE', 'physician', false],
      [seeded[4], 'READ', 'physician', true],
      [seeded[3], 'BREAK_GLASS', 'physician', true],
      [seeded[0], 'READ', 'physician', false],
    ]);
    expect(pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, endCursor: edges[3].cursor });
    expect(edges[3].node).toEqual({
      id: seeded[0],
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

  it("a patient sees only their own history: another patient's record is hidden (null, like an unknown id), and the attempt shows in its history", async () => {
    const aliceUser = user('patient', null, alice);
    const response = await history(aliceUser, bob);
    expect([response.status, response.data, response.errors]).toEqual([200, { patient: null }, undefined]);
    const bobs = (await history(user('patient', null, bob), bob)).data.patient.accessHistory.edges.map((edge: any) => edge.node);
    expect(bobs.map((node: any) => node.id).slice(1)).toEqual(ids(8, 3));
    expect(bobs[0]).toMatchObject({ actorId: (aliceUser as { userId: string }).userId, actorRole: 'patient', action: 'READ', outcome: 'DENIED', recordTypes: ['Patient'] });
  });

  it('compliance officers see it only where the patient has an active registration', async () => {
    expect(nodeIds(await history(user('compliance', homeId), alice))).toEqual(ids(6, 5, 4, 1));
    expect(nodeIds(await history(user('compliance', elsewhereId), bob))).toEqual(ids(8, 3));
    for (const principal of [user('compliance', formerId), user('compliance', elsewhereId)]) {
      // inactive registration / none: the patient is hidden from them altogether
      const response = await history(principal, alice);
      expect([response.status, response.data, response.errors]).toEqual([200, { patient: null }, undefined]);
    }
  });

  it('records every look at the history as a read of the record, with its purpose', async () => {
    const officer = user('compliance', homeId);
    await history(officer, alice);
    await history(user('patient', null, alice), alice);
    const edges = (await history(user('patient', null, alice), alice)).data.patient.accessHistory.edges.map((edge: any) => edge.node);
    expect(edges.slice(0, 2)).toEqual([
      expect.objectContaining({ actorRole: 'patient', action: 'READ', outcome: 'SUCCESS', recordTypes: ['AuditEvent', 'Patient'], purpose: 'own-record', breakGlass: false }),
      expect.objectContaining({ actorId: (officer as { userId: string }).userId, actorRole: 'compliance', actorOrganizationId: homeId, action: 'READ', recordTypes: ['AuditEvent', 'Patient'], purpose: 'operations' }),
    ]);
    expect(edges.slice(2).map((node: any) => node.id)).toEqual(ids(6, 5, 4, 1));
  });

  it('refuses everyone else who may see the patient: other staff roles, partner apps FORBIDDEN; anonymous UNAUTHENTICATED (401)', async () => {
    const refused: Principal[] = [
      physicianHome, user('nurse', homeId), user('billing', homeId), user('org_admin', homeId),
      { kind: 'client', clientId: 'partner', organizationId: homeId, scopes: ['system/*.read'] },
    ];
    for (const principal of refused) {
      const response = await history(principal, alice);
      expect(response.data.patient).toMatchObject({ id: alice, accessHistory: null });
      expect(response.errors?.[0]).toMatchObject({ path: ['patient', 'accessHistory'], extensions: { code: 'FORBIDDEN' } });
    }
    for (const options of [{}, { principal: { kind: 'anonymous' } as Principal }]) {
      const anonymous = await graphql(service.url, HISTORY, { id: alice, first: 5 }, options);
      expect(anonymous.status).toBe(401);
      expect(anonymous.data).toBeUndefined();
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('paginates newest first with cursors', async () => {
    const patient = user('patient', null, alice);
    const first = await history(patient, alice, { first: 3 });
    expect(nodeIds(first)).toEqual(ids(6, 5, 4));
    const { pageInfo } = first.data.patient.accessHistory;
    expect(pageInfo.hasNextPage).toBe(true);
    const second = await history(patient, alice, { first: 3, after: pageInfo.endCursor });
    expect(nodeIds(second)).toEqual(ids(1));
    expect(second.data.patient.accessHistory.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const bad = await history(patient, alice, { first: 3, after: 'bogus' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await history(patient, alice, { first: 500 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
