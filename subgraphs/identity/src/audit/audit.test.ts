import { appendAudit, generateSigningKeyPair, type AuditEvent, type Principal, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { ApiClient } from '../client/api-client.entity';
import { createIdentitySubgraph } from '../subgraph';
import { UserAccount } from '../user/user-account.entity';

const ORG_A = '11111111-1111-4111-8111-111111111111';
const ORG_B = '22222222-2222-4222-8222-222222222222';
const PATIENT_1 = '33333333-3333-4333-8333-333333333331';
const PATIENT_2 = '33333333-3333-4333-8333-333333333332';

const user = (userId: string, role: string, organizationId: string | null, patientId: string | null = null): Principal =>
  ({ kind: 'user', userId, role, organizationId, patientId, sessionId: '00000000-0000-4000-8000-000000000000' }) as Principal;

const complianceA = user('compliance-a', 'compliance', ORG_A);
const complianceB = user('compliance-b', 'compliance', ORG_B);
const physicianA = user('phys-a', 'physician', ORG_A);
const nurseA = user('nurse-a', 'nurse', ORG_A);
const billingB = user('bill-b', 'billing', ORG_B);
const adminA = user('admin-a', 'org_admin', ORG_A);
const patient1 = user('pat-1', 'patient', null, PATIENT_1);
const partnerA: Principal = { kind: 'client', clientId: 'partner-a', organizationId: ORG_A, scopes: ['system/*.read'] };

const EVENTS = `query ($actorId: String, $patientId: ID, $from: DateTimeISO, $to: DateTimeISO, $outcome: AuditOutcome, $action: [AuditAction!], $breakGlass: Boolean, $first: Int, $after: String) {
  auditEvents(actorId: $actorId, patientId: $patientId, from: $from, to: $to, outcome: $outcome, action: $action, breakGlass: $breakGlass, first: $first, after: $after) {
    edges { cursor node { id occurredAt service requestId actorType actorId actorRole actorOrganizationId action outcome patientId recordTypes purpose breakGlass } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

describe('identity: the audit log for compliance officers', () => {
  const keys = generateSigningKeyPair();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let middle: string;
  /** Just after the seeded rows: the officers' own reads of the log (audited too) come later. */
  let sealed: string;
  const em = () => service.orm.em.fork() as EntityManager;
  const read = (actor: Principal, patientId: string | null, extra: Partial<AuditEvent> = {}): AuditEvent =>
    ({ service: 'clinical', requestId: 'req-1', actor, action: 'read', outcome: 'success', patientId, recordTypes: ['Observation'], ...extra });
  const events = async (principal: Principal, variables: Record<string, unknown> = {}) =>
    (await graphqlOk(service.url, EVENTS, { first: 50, to: sealed, ...variables }, { principal })).auditEvents;
  const ids = async (principal: Principal, variables: Record<string, unknown> = {}) =>
    (await events(principal, variables)).edges.map((edge: { node: { id: string } }) => edge.node.id);

  beforeAll(async () => {
    db = await createTestDatabase('identity_audit');
    service = await startTestSubgraph(createIdentitySubgraph({ signingKey: keys.privateKey }), db.url);
    // separate statements so occurred_at differs between the groups
    await appendAudit(em(), [
      read(physicianA, PATIENT_1, { recordTypes: ['Condition'], purpose: 'treatment' }), // 1
      read(billingB, PATIENT_1, { action: 'denied', outcome: 'denied', recordTypes: ['Claim'] }), // 2
      read(nurseA, PATIENT_2), // 3
    ]);
    // the API takes millisecond instants: the first millisecond after group one, and group two starts no earlier
    const sql = (text: string) => em().getConnection().execute(text) as Promise<{ t: string }[]>;
    [{ t: middle }] = await sql(`select to_char((date_trunc('milliseconds', max(occurred_at)) + interval '1 millisecond') at time zone 'UTC',
                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t from audit.event`);
    await sql(`do $$ begin while clock_timestamp() < '${middle}'::timestamptz loop end loop; end $$`); // at most 1 ms
    await appendAudit(em(), [
      read(physicianA, PATIENT_2, { action: 'break_glass', purpose: 'emergency', recordTypes: [] }), // 4
      read(physicianA, PATIENT_2, { breakGlass: true, recordTypes: ['AllergyIntolerance'] }), // 5
      read(partnerA, PATIENT_1, { service: 'billing', recordTypes: ['Claim'] }), // 6
      { service: 'identity', actor: physicianA, action: 'login', outcome: 'success' }, // 7
      { service: 'identity', actor: { type: 'user', id: 'phys-a', role: 'physician', organizationId: ORG_A }, action: 'login_failed', outcome: 'failure' }, // 8
      read(billingB, PATIENT_2, { recordTypes: ['Claim'] }), // 9
    ]);
    [{ t: sealed }] = await sql(`select to_char((date_trunc('milliseconds', max(occurred_at)) + interval '1 millisecond') at time zone 'UTC',
                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t from audit.event`);
    await sql(`do $$ begin while clock_timestamp() < '${sealed}'::timestamptz loop end loop; end $$`);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('refuses everyone but compliance officers: anonymous UNAUTHENTICATED, others FORBIDDEN', async () => {
    const anonymous = await graphql(service.url, EVENTS, { first: 5 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.data?.auditEvents ?? null).toBeNull();
    for (const principal of [physicianA, nurseA, billingB, adminA, patient1, partnerA]) {
      const response = await graphql(service.url, EVENTS, { first: 5 }, { principal });
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(response.data?.auditEvents ?? null).toBeNull();
    }
  });

  it("shows an officer only events by their own organization's actors, newest first, with every column", async () => {
    expect(await ids(complianceA)).toEqual(['8', '7', '6', '5', '4', '3', '1']);
    expect(await ids(complianceB)).toEqual(['9', '2']);

    const { edges } = await events(complianceA, { actorId: 'phys-a', patientId: PATIENT_1 });
    expect(edges).toHaveLength(1);
    expect(edges[0].node).toEqual({
      id: '1',
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      service: 'clinical',
      requestId: 'req-1',
      actorType: 'USER',
      actorId: 'phys-a',
      actorRole: 'physician',
      actorOrganizationId: ORG_A,
      action: 'READ',
      outcome: 'SUCCESS',
      patientId: PATIENT_1,
      recordTypes: ['Condition'],
      purpose: 'treatment',
      breakGlass: false,
    });
    // a filter cannot reach past the organization: another organization's actor gives nothing
    expect(await ids(complianceA, { actorId: 'bill-b' })).toEqual([]);
    expect((await events(complianceA, { actorId: 'partner-a' })).edges[0].node).toMatchObject({ id: '6', actorType: 'CLIENT', actorRole: null, service: 'billing' });
  });

  it("names each actor by their account's display name or their app's name; nothing for another organization's accounts or unknown ids", async () => {
    const PATIENT_3 = '33333333-3333-4333-8333-333333333333';
    const fork = em();
    const doctor = fork.create(UserAccount, { email: 'ada.audit@a.test', passwordHash: 'unused', role: 'physician', organizationId: ORG_A, displayName: 'Dr Ada Audit' });
    const elsewhere = fork.create(UserAccount, { email: 'bo.audit@b.test', passwordHash: 'unused', role: 'physician', organizationId: ORG_B, displayName: 'Dr Bo Elsewhere' });
    fork.create(ApiClient, { clientId: 'partner-a', secretHash: 'unused', name: 'Bayview Lab Link', organizationId: ORG_A });
    await fork.flush();
    await appendAudit(em(), [
      read(user(doctor.id, 'physician', ORG_A), PATIENT_3),
      read(partnerA, PATIENT_3),
      // an account of another organization, logged as acting for A: its name is not A's to see
      read(user(elsewhere.id, 'physician', ORG_A), PATIENT_3),
      read(user('44444444-4444-4444-8444-444444444444', 'nurse', ORG_A), PATIENT_3), // no such account
    ]);
    const NAMES = `query ($patientId: ID) { auditEvents(patientId: $patientId, first: 10) { edges { node { actorId actorName } } } }`;
    const { auditEvents } = await graphqlOk(service.url, NAMES, { patientId: PATIENT_3 }, { principal: complianceA });
    expect(auditEvents.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
      { actorId: '44444444-4444-4444-8444-444444444444', actorName: null },
      { actorId: elsewhere.id, actorName: null },
      { actorId: 'partner-a', actorName: 'Bayview Lab Link' },
      { actorId: doctor.id, actorName: 'Dr Ada Audit' },
    ]);
  });

  it('filters by actor, patient, time, outcome and action', async () => {
    expect(await ids(complianceA, { actorId: 'phys-a' })).toEqual(['8', '7', '5', '4', '1']);
    expect(await ids(complianceA, { patientId: PATIENT_2 })).toEqual(['5', '4', '3']);
    expect(await ids(complianceA, { patientId: PATIENT_2.toUpperCase() })).toEqual(['5', '4', '3']);
    expect(await ids(complianceA, { from: middle })).toEqual(['8', '7', '6', '5', '4']);
    expect(await ids(complianceA, { to: middle })).toEqual(['3', '1']);
    expect(await ids(complianceA, { outcome: 'FAILURE' })).toEqual(['8']);
    expect(await ids(complianceB, { outcome: 'DENIED' })).toEqual(['2']);
    expect(await ids(complianceA, { action: ['LOGIN', 'LOGIN_FAILED'] })).toEqual(['8', '7']);
    expect(await ids(complianceA, { action: ['READ'], patientId: PATIENT_2, from: middle })).toEqual(['5']);
  });

  it('flags break-glass rows, whether the action or a read under break-glass', async () => {
    const { edges } = await events(complianceA, { patientId: PATIENT_2 });
    expect(edges.map((edge: { node: { id: string; action: string; breakGlass: boolean } }) => [edge.node.id, edge.node.action, edge.node.breakGlass])).toEqual([
      ['5', 'READ', true],
      ['4', 'BREAK_GLASS', true],
      ['3', 'READ', false],
    ]);
    expect(edges[1].node.purpose).toBe('emergency');
  });

  it('lists what to review after break-glass: the break-glass itself and every read under it', async () => {
    expect(await ids(complianceA, { breakGlass: true })).toEqual(['5', '4']);
    expect(await ids(complianceA, { breakGlass: false })).toEqual(['8', '7', '6', '3', '1']);
    expect(await ids(complianceB, { breakGlass: true })).toEqual([]);
  });

  it("records each look at the audit log as a read of the officer's organization's trail", async () => {
    await graphqlOk(service.url, EVENTS, { first: 50, patientId: PATIENT_2, to: sealed }, { principal: complianceA, headers: { 'x-request-id': 'look-at-log-1' } });
    const rows = await em().getConnection().execute(
      `select actor_id, actor_role, action, outcome, patient_id::text as patient_id, record_types, detail->>'records' as records
       from audit.event where request_id = 'look-at-log-1'`);
    expect(rows).toEqual([{ actor_id: 'compliance-a', actor_role: 'compliance', action: 'read', outcome: 'success', patient_id: PATIENT_2, record_types: ['AuditEvent'], records: '3' }]);
    // and the officer finds their own look when they search past the seeded rows
    expect((await events(complianceA, { to: null, actorId: 'compliance-a' })).edges.map((edge: { node: { recordTypes: string[] } }) => edge.node.recordTypes))
      .toContainEqual(['AuditEvent']);
  });

  it('paginates with cursors, without repeats or gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: any = await events(complianceA, { first: 3, after });
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['8', '7', '6', '5', '4', '3', '1']);
    expect(pages).toBe(3);
    // the cursor keeps the filters' meaning on the next page
    const first = await events(complianceA, { actorId: 'phys-a', first: 2 });
    expect(first.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(['8', '7']);
    expect(await ids(complianceA, { actorId: 'phys-a', first: 2, after: first.pageInfo.endCursor })).toEqual(['5', '4']);
  });

  it('rejects bad arguments as BAD_USER_INPUT naming the argument', async () => {
    const field = async (variables: Record<string, unknown>) => {
      const response = await graphql(service.url, EVENTS, { first: 5, ...variables }, { principal: complianceA });
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      return response.errors?.[0]?.extensions?.field;
    };
    expect(await field({ first: 0 })).toBe('first');
    expect(await field({ first: 101 })).toBe('first');
    expect(await field({ after: 'not-a-cursor' })).toBe('after');
    expect(await field({ patientId: 'nope' })).toBe('patientId');
    expect(await field({ action: [] })).toBe('action');
    expect(await field({ from: middle, to: middle })).toBe('to');
  });
});
