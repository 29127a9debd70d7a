import { randomUUID } from 'node:crypto';
import { queryAudit, verifyAuditChain, type Principal, type RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, insertPatient, withSql } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';
import { decidePatientAccess } from './access-policy';

describe('patients subgraph: break-glass', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let patientId: string; // registered elsewhere only
  let ownPatientId: string; // registered at the clinician's organization
  let homeId: string;
  let elsewhereId: string;
  const REASON = 'Unconscious in the emergency department, allergies unknown';
  const BREAK = `mutation ($patientId: ID!, $reason: String!) { breakGlass(patientId: $patientId, reason: $reason) { id patientId startedAt expiresAt } }`;
  const sql = (text: string, params: unknown[] = []) => service.orm.em.fork().getConnection().execute(text, params);
  const count = async () => Number((await sql(`select count(*)::int as n from patients.break_glass_access`))[0].n);
  const auditCount = async () => Number((await sql(`select count(*)::int as n from audit.event where action = 'break_glass' and outcome = 'success'`))[0].n);
  const lastAuditId = async () => String((await sql(`select coalesce(max(id), 0)::text as id from audit.event`))[0].id);
  /** Refused break-glass attempts audited after `afterId`: what was refused and why, never the reason given. */
  const refusalsSince = async (afterId: string) =>
    sql(`select outcome, patient_id, purpose, detail from audit.event where action = 'break_glass' and id > ?::bigint order by id`, [afterId]);
  const user = (role: string, organizationId: string | null = homeId, userId = randomUUID()): Principal =>
    ({ kind: 'user', userId, role, organizationId, patientId: null, sessionId: 's' }) as Principal;

  beforeAll(async () => {
    db = await createTestDatabase('break_glass');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    homeId = await insertOrganization(db.url, 'ED');
    elsewhereId = await insertOrganization(db.url, 'Other', 'practice');
    patientId = await insertPatient(db.url, [elsewhereId]);
    ownPatientId = await insertPatient(db.url, [homeId]);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('opens the record to that physician for 60 minutes, audited in the same transaction without the reason', async () => {
    const physician = user('physician');
    const before = await decidePatientAccess(service.orm.em.fork(), physician, [patientId], 'clinical');
    expect(before.get(patientId)).toEqual({ allowed: false, basis: null });

    const { breakGlass } = await graphqlOk(service.url, BREAK, { patientId, reason: `  ${REASON}  ` }, { principal: physician });
    expect(breakGlass.patientId).toBe(patientId);
    expect(new Date(breakGlass.expiresAt).getTime() - new Date(breakGlass.startedAt).getTime()).toBe(60 * 60_000);
    const [row] = await sql(`select reason, user_id, organization_id from patients.break_glass_access where id = ?`, [breakGlass.id]);
    expect(row).toEqual({ reason: REASON, user_id: (physician as { userId: string }).userId, organization_id: homeId });

    const em = service.orm.em.fork();
    expect((await decidePatientAccess(em, physician, [patientId], 'clinical')).get(patientId)).toEqual({ allowed: true, basis: 'break-glass' });
    expect((await decidePatientAccess(em, physician, [patientId], 'billing')).get(patientId)).toEqual({ allowed: false, basis: null });
    // only that user, and only until it ends
    expect((await decidePatientAccess(em, user('physician'), [patientId], 'clinical')).get(patientId)?.allowed).toBe(false);
    const end = new Date(new Date(breakGlass.expiresAt).getTime() + 1);
    expect((await decidePatientAccess(em, physician, [patientId], 'clinical', end)).get(patientId)?.allowed).toBe(false);

    const audit = await queryAudit(em, { patientId, action: 'break_glass' });
    expect(audit.edges).toHaveLength(1);
    expect(audit.edges[0].node).toMatchObject({
      service: 'patients', actorType: 'user', actorId: (physician as { userId: string }).userId, actorRole: 'physician', actorOrganizationId: homeId,
      outcome: 'success', purpose: 'break-glass', breakGlass: true, detail: { breakGlassId: breakGlass.id, breakGlass: true },
    });
    expect(JSON.stringify(audit.edges[0].node)).not.toContain('Unconscious');
    expect(await verifyAuditChain(em)).toMatchObject({ ok: true });

    // a second one while the first is active is refused
    const again = await graphql(service.url, BREAK, { patientId, reason: REASON }, { principal: physician });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });
  });

  it('works for nurses', async () => {
    const { breakGlass } = await graphqlOk(service.url, BREAK, { patientId, reason: REASON }, { principal: user('nurse') });
    expect(breakGlass.patientId).toBe(patientId);
  });

  it('refuses anonymous at the door (401), opening nothing', async () => {
    const [before, auditBefore, lastId] = [await count(), await auditCount(), await lastAuditId()];
    const response = await graphql(service.url, BREAK, { patientId, reason: REASON }, { principal: { kind: 'anonymous' } });
    expect(response.status).toBe(401);
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect([await count(), await auditCount()]).toEqual([before, auditBefore]);
    expect(await refusalsSince(lastId)).toEqual([]); // audited as an unauthenticated request instead
  });

  it.each([
    ['billing staff', () => user('billing')],
    ['an org admin', () => user('org_admin')],
    ['compliance', () => user('compliance')],
    ['a patient', () => ({ kind: 'user', userId: 'p', role: 'patient', organizationId: null, patientId: ownPatientId, sessionId: 's' }) as Principal],
    ['a partner app', () => ({ kind: 'client', clientId: 'app', organizationId: homeId, scopes: ['system/*.read'] }) as Principal],
  ])('refuses %s with FORBIDDEN, opening nothing; the attempt is audited as denied', async (_label, principal) => {
    const [before, auditBefore, lastId] = [await count(), await auditCount(), await lastAuditId()];
    const response = await graphql(service.url, BREAK, { patientId, reason: REASON }, { principal: principal() });
    expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect([await count(), await auditCount()]).toEqual([before, auditBefore]);
    expect(await refusalsSince(lastId)).toEqual([{ outcome: 'denied', patient_id: patientId, purpose: 'break-glass', detail: { code: 'FORBIDDEN' } }]);
  });

  // audited: refused by the service (after the arguments were valid); not audited: refused by argument validation
  it.each([
    ['a patient the physician may already see', () => ({ patientId: ownPatientId, reason: REASON }), 'BAD_USER_INPUT', 'patientId', true],
    ['a reason shorter than 10 characters', () => ({ patientId, reason: 'urgent' }), 'BAD_USER_INPUT', 'reason', false],
    ['a reason that is only spaces around a short word', () => ({ patientId, reason: '    urgent    ' }), 'BAD_USER_INPUT', 'reason', true],
    ['a reason over 500 characters', () => ({ patientId, reason: 'x'.repeat(501) }), 'BAD_USER_INPUT', 'reason', false],
    ['an unknown patient', () => ({ patientId: '00000000-0000-4000-8000-00000000000b', reason: REASON }), 'NOT_FOUND', 'patientId', true],
    ['a malformed patient id', () => ({ patientId: 'abc', reason: REASON }), 'BAD_USER_INPUT', 'patientId', false],
  ])('rejects %s naming the field, opening nothing and never echoing the reason', async (_label, args, code, field, audited) => {
    const [before, auditBefore, lastId] = [await count(), await auditCount(), await lastAuditId()];
    const response = await graphql(service.url, BREAK, args(), { principal: user('physician') });
    expect(response.errors?.[0].extensions).toMatchObject({ code, field });
    expect(JSON.stringify(response.errors)).not.toContain('allergies');
    expect([await count(), await auditCount()]).toEqual([before, auditBefore]);
    const refusals = await refusalsSince(lastId);
    expect(refusals).toEqual(audited ? [{ outcome: 'denied', patient_id: args().patientId, purpose: 'break-glass', detail: { code } }] : []);
    expect(JSON.stringify(refusals)).not.toContain('allergies');
  });

  it('flags reads under break-glass in the audit log (purpose break-glass, detail.breakGlass), unlike ordinary reads', async () => {
    const READ = `query ($id: ID!) { patient(id: $id) { id } }`;
    const farPatient = await insertPatient(db.url, [elsewhereId]);
    const physician = user('physician');
    const userId = (physician as { userId: string }).userId;
    const readsOf = (id: string) => withSql(db.url, (q) => q(
      `select outcome, record_types, purpose, detail->>'breakGlass' as break_glass from audit.event
       where action = 'read' and patient_id = $1 and actor_id = $2 order by id`, [id, userId]));

    // before: hidden (null, like an unknown id), and the refusal is on record
    expect((await graphqlOk(service.url, READ, { id: farPatient }, { principal: physician })).patient).toBeNull();
    expect(await readsOf(farPatient)).toEqual([{ outcome: 'denied', record_types: ['Patient'], purpose: 'treatment', break_glass: null }]);

    await graphqlOk(service.url, BREAK, { patientId: farPatient, reason: REASON }, { principal: physician });
    expect((await graphqlOk(service.url, READ, { id: farPatient }, { principal: physician })).patient).toEqual({ id: farPatient });
    const reads = await readsOf(farPatient);
    expect(reads).toHaveLength(2);
    expect(reads[1]).toEqual({ outcome: 'success', record_types: ['Patient'], purpose: 'break-glass', break_glass: 'true' });

    // the same physician reading a patient of their own organization: an ordinary treatment read
    expect((await graphqlOk(service.url, READ, { id: ownPatientId }, { principal: physician })).patient).toEqual({ id: ownPatientId });
    expect(await readsOf(ownPatientId)).toEqual([{ outcome: 'success', record_types: ['Patient'], purpose: 'treatment', break_glass: null }]);
  });
});
