import { randomUUID } from 'node:crypto';
import { queryAudit, verifyAuditChain, type Principal, type RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
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
  const auditCount = async () => Number((await sql(`select count(*)::int as n from audit.event where action = 'break_glass'`))[0].n);
  const user = (role: string, organizationId: string | null = homeId, userId = randomUUID()): Principal =>
    ({ kind: 'user', userId, role, organizationId, patientId: null, sessionId: 's' }) as Principal;

  beforeAll(async () => {
    db = await createTestDatabase('break_glass');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    const patient = `mutation ($family: String!) { createPatient(input: { names: [{ family: $family }], gender: MALE }) { id } }`;
    patientId = (await graphqlOk(service.url, patient, { family: 'Far' })).createPatient.id;
    ownPatientId = (await graphqlOk(service.url, patient, { family: 'Near' })).createPatient.id;
    homeId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "ED", type: HOSPITAL }) { id } }`)).createOrganization.id;
    elsewhereId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "Other", type: PRACTICE }) { id } }`)).createOrganization.id;
    const register = `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`;
    await graphqlOk(service.url, register, { input: { patientId, organizationId: elsewhereId, mrn: 'F1' } });
    await graphqlOk(service.url, register, { input: { patientId: ownPatientId, organizationId: homeId, mrn: 'N1' } });
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

  it.each([
    ['anonymous', () => ({ kind: 'anonymous' }) as Principal, 'UNAUTHENTICATED'],
    ['billing staff', () => user('billing'), 'FORBIDDEN'],
    ['an org admin', () => user('org_admin'), 'FORBIDDEN'],
    ['compliance', () => user('compliance'), 'FORBIDDEN'],
    ['a patient', () => ({ kind: 'user', userId: 'p', role: 'patient', organizationId: null, patientId: ownPatientId, sessionId: 's' }) as Principal, 'FORBIDDEN'],
    ['a partner app', () => ({ kind: 'client', clientId: 'app', organizationId: homeId, scopes: ['system/*.read'] }) as Principal, 'FORBIDDEN'],
  ])('refuses %s, writing nothing', async (_label, principal, code) => {
    const [before, auditBefore] = [await count(), await auditCount()];
    const response = await graphql(service.url, BREAK, { patientId, reason: REASON }, { principal: principal() });
    expect(response.errors?.[0].extensions?.code).toBe(code);
    expect([await count(), await auditCount()]).toEqual([before, auditBefore]);
  });

  it.each([
    ['a patient the physician may already see', () => ({ patientId: ownPatientId, reason: REASON }), 'BAD_USER_INPUT', 'patientId'],
    ['a reason shorter than 10 characters', () => ({ patientId, reason: 'urgent' }), 'BAD_USER_INPUT', 'reason'],
    ['a reason that is only spaces around a short word', () => ({ patientId, reason: '    urgent    ' }), 'BAD_USER_INPUT', 'reason'],
    ['a reason over 500 characters', () => ({ patientId, reason: 'x'.repeat(501) }), 'BAD_USER_INPUT', 'reason'],
    ['an unknown patient', () => ({ patientId: '00000000-0000-4000-8000-00000000000b', reason: REASON }), 'NOT_FOUND', 'patientId'],
    ['a malformed patient id', () => ({ patientId: 'abc', reason: REASON }), 'BAD_USER_INPUT', 'patientId'],
  ])('rejects %s naming the field, writing nothing and never echoing the reason', async (_label, args, code, field) => {
    const [before, auditBefore] = [await count(), await auditCount()];
    const response = await graphql(service.url, BREAK, args(), { principal: user('physician') });
    expect(response.errors?.[0].extensions).toMatchObject({ code, field });
    expect(JSON.stringify(response.errors)).not.toContain('allergies');
    expect([await count(), await auditCount()]).toEqual([before, auditBefore]);
  });
});
