import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, insertPatient } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: consent', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let patientId: string;
  let otherPatientId: string;
  let homeId: string; // where the patient is registered
  let elsewhereId: string; // the organization consent is given to
  const future = () => new Date(Date.now() + 30 * 24 * 3600_000).toISOString();

  const GRANT = `mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id patientId category grantedAt expiresAt revokedAt grantedByType grantedById revokedById active organization { id name } } }`;
  const REVOKE = `mutation ($id: ID!) { revokeConsent(id: $id) { id revokedAt revokedByType revokedById active } }`;
  const CONSENTS = `query ($id: ID!) { patient(id: $id) { id consents { id category active revokedAt organization { id } } } }`;
  const count = async () => Number((await service.orm.em.fork().getConnection().execute(`select count(*)::int as n from patients.patient_consent`))[0].n);
  const revokedCount = async () => Number((await service.orm.em.fork().getConnection().execute(`select count(*)::int as n from patients.patient_consent where revoked_at is not null`))[0].n);

  const user = (role: string, organizationId: string | null, patient: string | null = null, userId: string = randomUUID()): Principal =>
    ({ kind: 'user', userId, role, organizationId, patientId: patient, sessionId: 's' }) as Principal;
  let self: Principal;

  beforeAll(async () => {
    db = await createTestDatabase('consent');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    homeId = await insertOrganization(db.url, 'Home Clinic', 'practice');
    elsewhereId = await insertOrganization(db.url, 'Elsewhere Hospital');
    patientId = await insertPatient(db.url, [homeId]);
    otherPatientId = await insertPatient(db.url, [elsewhereId]);
    self = user('patient', null, patientId, 'patient-user');
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('lets the patient grant and revoke, recording who did it', async () => {
    const { grantConsent } = await graphqlOk(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'CLINICAL' } }, { principal: self });
    expect(grantConsent).toMatchObject({
      patientId, category: 'CLINICAL', expiresAt: null, revokedAt: null, grantedByType: 'user', grantedById: 'patient-user', revokedById: null, active: true,
      organization: { id: elsewhereId, name: 'Elsewhere Hospital' },
    });
    const { revokeConsent } = await graphqlOk(service.url, REVOKE, { id: grantConsent.id }, { principal: self });
    expect(revokeConsent).toMatchObject({ id: grantConsent.id, revokedByType: 'user', revokedById: 'patient-user', active: false });
    expect(revokeConsent.revokedAt).not.toBeNull();
  });

  it.each(['physician', 'nurse', 'org_admin'])('lets a %s of an organization where the patient is registered act for them', async (role) => {
    const staff = user(role, homeId);
    const { grantConsent } = await graphqlOk(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'BILLING', expiresAt: future() } }, { principal: staff });
    expect(grantConsent).toMatchObject({ category: 'BILLING', grantedById: (staff as { userId: string }).userId, active: true });
    await graphqlOk(service.url, REVOKE, { id: grantConsent.id }, { principal: staff });
  });

  it.each([
    ['anonymous', () => ({ kind: 'anonymous' }) as Principal, 'UNAUTHENTICATED'],
    ['another patient', () => user('patient', null, otherPatientId), 'FORBIDDEN'],
    ['a physician of an organization where the patient is not registered', () => user('physician', elsewhereId), 'FORBIDDEN'],
    ['billing staff of the registered organization', () => user('billing', homeId), 'FORBIDDEN'],
    ['compliance of the registered organization', () => user('compliance', homeId), 'FORBIDDEN'],
    ['a partner app', () => ({ kind: 'client', clientId: 'app', organizationId: homeId, scopes: ['system/*.read'] }) as Principal, 'FORBIDDEN'],
  ])('refuses %s (grant and revoke), writing nothing', async (_label, principal, code) => {
    const before = await count();
    const grant = await graphql(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'ALL' } }, { principal: principal() });
    expect(grant.errors?.[0].extensions?.code).toBe(code);
    expect(await count()).toBe(before);

    const { grantConsent } = await graphqlOk(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'ALL' } }, { principal: self });
    const revokedBefore = await revokedCount();
    const revoke = await graphql(service.url, REVOKE, { id: grantConsent.id }, { principal: principal() });
    expect(revoke.errors?.[0].extensions?.code).toBe(code);
    expect(await revokedCount()).toBe(revokedBefore);
    await graphqlOk(service.url, REVOKE, { id: grantConsent.id }, { principal: self });
  });

  it.each([
    ['an unknown organization', () => ({ patientId, organizationId: '00000000-0000-4000-8000-000000000009', category: 'ALL' }), 'NOT_FOUND', 'organizationId'],
    ['an expiry in the past', () => ({ patientId, organizationId: elsewhereId, category: 'ALL', expiresAt: '2020-01-01T00:00:00Z' }), 'BAD_USER_INPUT', 'expiresAt'],
    ['a malformed organization id', () => ({ patientId, organizationId: 'org-1', category: 'ALL' }), 'BAD_USER_INPUT', 'organizationId'],
    ['an unknown category', () => ({ patientId, organizationId: elsewhereId, category: 'DEMOGRAPHICS' }), 'BAD_USER_INPUT', 'category'],
  ])('rejects %s naming the field, and writes nothing', async (_label, input, code, field) => {
    const before = await count();
    const response = await graphql(service.url, GRANT, { input: input() }, { principal: self });
    expect(response.errors?.[0].extensions).toMatchObject({ code, field });
    expect(await count()).toBe(before);
  });

  it('answers a second active consent for the same organization and category with CONFLICT; other categories are fine', async () => {
    const input = { patientId, organizationId: elsewhereId, category: 'CLINICAL', expiresAt: future() };
    const { grantConsent } = await graphqlOk(service.url, GRANT, { input }, { principal: self });
    const before = await count();
    const again = await graphql(service.url, GRANT, { input }, { principal: self });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'category' });
    expect(await count()).toBe(before);
    const billing = await graphqlOk(service.url, GRANT, { input: { ...input, category: 'BILLING' } }, { principal: self });
    // once revoked, the same consent may be given again
    await graphqlOk(service.url, REVOKE, { id: grantConsent.id }, { principal: self });
    const renewed = await graphqlOk(service.url, GRANT, { input }, { principal: self });
    for (const id of [billing.grantConsent.id, renewed.grantConsent.id]) await graphqlOk(service.url, REVOKE, { id }, { principal: self });
  });

  it('answers revoking twice with CONFLICT and an unknown consent with NOT_FOUND', async () => {
    const { grantConsent } = await graphqlOk(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'ALL' } }, { principal: self });
    const first = await graphqlOk(service.url, REVOKE, { id: grantConsent.id }, { principal: self });
    const second = await graphql(service.url, REVOKE, { id: grantConsent.id }, { principal: self });
    expect(second.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    const [row] = await service.orm.em.fork().getConnection().execute(`select revoked_at from patients.patient_consent where id = ?`, [grantConsent.id]);
    expect(new Date(row.revoked_at).toISOString()).toBe(first.revokeConsent.revokedAt);
    const missing = await graphql(service.url, REVOKE, { id: '00000000-0000-4000-8000-00000000000a' }, { principal: self });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });

  it('lists consents, active and past, newest first, to the patient and staff of registered organizations only', async () => {
    const db2 = service.orm.em.fork().getConnection();
    const older = await graphqlOk(service.url, GRANT, { input: { patientId: otherPatientId, organizationId: homeId, category: 'CLINICAL' } }, { principal: user('physician', elsewhereId) });
    await graphqlOk(service.url, REVOKE, { id: older.grantConsent.id }, { principal: user('nurse', elsewhereId) });
    await db2.execute(`update patients.patient_consent set granted_at = now() - interval '1 day' where id = ?`, [older.grantConsent.id]);
    const newer = await graphqlOk(service.url, GRANT, { input: { patientId: otherPatientId, organizationId: homeId, category: 'ALL' } }, { principal: user('patient', null, otherPatientId) });

    const expected = [
      { id: newer.grantConsent.id, category: 'ALL', active: true, revokedAt: null, organization: { id: homeId } },
      { id: older.grantConsent.id, category: 'CLINICAL', active: false, revokedAt: expect.any(String), organization: { id: homeId } },
    ];
    for (const viewer of [user('patient', null, otherPatientId), user('compliance', elsewhereId), user('org_admin', elsewhereId)]) {
      const { patient } = await graphqlOk(service.url, CONSENTS, { id: otherPatientId }, { principal: viewer });
      expect(patient.consents).toEqual(expected);
    }
    // callers who may see the patient but not their consents: the rest of the patient still comes back
    for (const viewer of [
      user('physician', homeId), // sees the patient through the consent, but the patient is not registered there
      user('billing', elsewhereId), // registered there, but billing does not manage consents
    ]) {
      const response = await graphql(service.url, CONSENTS, { id: otherPatientId }, { principal: viewer });
      expect(response.data?.patient).toEqual({ id: otherPatientId, consents: null });
      expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    // another patient does not see this patient at all: null, like an unknown id
    const stranger = await graphql(service.url, CONSENTS, { id: otherPatientId }, { principal: user('patient', null, patientId) });
    expect([stranger.status, stranger.data, stranger.errors]).toEqual([200, { patient: null }, undefined]);
    // an anonymous caller never gets past the subgraph's door
    const anonymous = await graphql(service.url, CONSENTS, { id: otherPatientId }, { principal: { kind: 'anonymous' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.data).toBeUndefined();
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("opens the patient to the consented organization's clinicians from the next request, and closes it on revocation", async () => {
    const READ = `query ($id: ID!) { patient(id: $id) { id } }`;
    const outsider = user('physician', elsewhereId);
    const seenBy = async (principal: Principal) => (await graphqlOk(service.url, READ, { id: patientId }, { principal })).patient;
    expect(await seenBy(outsider)).toBeNull();
    // a billing consent does not open the record to clinicians
    const billing = await graphqlOk(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'BILLING' } }, { principal: self });
    expect(await seenBy(outsider)).toBeNull();
    expect(await seenBy(user('billing', elsewhereId))).toEqual({ id: patientId });
    const clinical = await graphqlOk(service.url, GRANT, { input: { patientId, organizationId: elsewhereId, category: 'CLINICAL' } }, { principal: self });
    expect(await seenBy(outsider)).toEqual({ id: patientId });
    await graphqlOk(service.url, REVOKE, { id: clinical.grantConsent.id }, { principal: self });
    expect(await seenBy(outsider)).toBeNull();
    await graphqlOk(service.url, REVOKE, { id: billing.grantConsent.id }, { principal: self });
    expect(await seenBy(user('billing', elsewhereId))).toBeNull();
  });
});
