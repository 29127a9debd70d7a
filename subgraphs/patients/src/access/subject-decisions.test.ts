import { randomUUID } from 'node:crypto';
import {
  ACCESS_SUBJECT_DECISIONS_PATH, accessDecisionsUrl, remoteAccessPolicy, type AccessSubject, type RunningSubgraph,
} from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { assertionHeaders, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

/**
 * The access policy asked about someone other than the caller (a thread's other participants):
 * POST /internal/access-decisions/subjects, with the caller's gateway assertion. The answer covers
 * only patients the caller may read; a refusal for the caller is a refusal for every subject.
 */
describe('access decisions for subjects other than the caller', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let orgA: string;
  let orgB: string;
  let caller: UserPrincipal;
  const subject = (role: AccessSubject['role'], organizationId: string, userId: string = randomUUID()): AccessSubject => ({ userId, role, organizationId });

  beforeAll(async () => {
    db = await createTestDatabase('subject_decisions');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    orgA = await insertOrganization(db.url);
    orgB = await insertOrganization(db.url);
    caller = staff('physician', orgA);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  /** The policy as another subgraph asks it during `principal`'s request. */
  const policyOf = async (principal: UserPrincipal) => {
    const headers = await assertionHeaders(service.url, principal);
    return remoteAccessPolicy(accessDecisionsUrl(service.url), { assertion: Object.values(headers)[0], requestId: randomUUID() });
  };

  it('decides each subject by their own registration, consent and break-glass, for patients the caller may read', async () => {
    const registeredBoth = await insertPatient(db.url, [orgA, orgB]);
    const consentedToB = await insertPatient(db.url, [orgA]);
    await insertConsent(db.url, consentedToB, orgB, 'clinical');
    const onlyA = await insertPatient(db.url, [orgA]);
    const bNurse = subject('nurse', orgB);
    const bGlass = subject('physician', orgB);
    await withSql(db.url, (sql) => sql(
      `insert into patients.break_glass_access (id, user_id, organization_id, patient_id, reason, started_at, expires_at) values ($1, $2, $3, $4, 'emergency test', now() - interval '1 minute', now() + interval '1 hour')`,
      [randomUUID(), bGlass.userId, orgB, onlyA]));
    const bBilling = subject('billing', orgB);

    const decided = await (await policyOf(caller)).forSubjects!([bNurse, bGlass, bBilling], [registeredBoth, consentedToB, onlyA], 'clinical');
    const basis = (who: AccessSubject) => Object.fromEntries([registeredBoth, consentedToB, onlyA].map((id) => [id, decided.get(who.userId)?.get(id)?.basis ?? null]));
    expect(basis(bNurse)).toEqual({ [registeredBoth]: 'registration', [consentedToB]: 'consent', [onlyA]: null });
    expect(basis(bGlass)).toEqual({ [registeredBoth]: 'registration', [consentedToB]: 'consent', [onlyA]: 'break-glass' });
    expect(basis(bBilling)).toEqual({ [registeredBoth]: null, [consentedToB]: null, [onlyA]: null }); // billing never reads clinical
  });

  it('tells nothing about a patient the caller may not read, even of subjects who may', async () => {
    const onlyB = await insertPatient(db.url, [orgB]);
    const bDoc = subject('physician', orgB);
    const policy = await policyOf(caller);
    expect((await policy(caller, [onlyB], 'clinical')).get(onlyB)?.allowed).toBe(false);
    const decided = await policy.forSubjects!([bDoc], [onlyB], 'clinical');
    expect(decided.get(bDoc.userId)?.get(onlyB)).toEqual({ allowed: false, basis: null });
    // the same subject, asked by someone who may read the patient
    const asB = await (await policyOf(staff('nurse', orgB))).forSubjects!([bDoc], [onlyB], 'clinical');
    expect(asB.get(bDoc.userId)?.get(onlyB)).toEqual({ allowed: true, basis: 'registration' });
  });

  it('refuses a malformed request (400) and one without the gateway assertion (401)', async () => {
    const url = new URL(ACCESS_SUBJECT_DECISIONS_PATH, service.url).toString();
    const headers = { 'content-type': 'application/json', ...(await assertionHeaders(service.url, caller)) };
    const post = (body: unknown, extra: Record<string, string> = headers) => fetch(url, { method: 'POST', headers: extra, body: JSON.stringify(body) });
    const patientId = await insertPatient(db.url, [orgA]);
    const good = { category: 'clinical', patientIds: [patientId], subjects: [subject('nurse', orgA)] };
    expect((await post(good)).status).toBe(200);
    for (const bad of [
      { ...good, category: 'secrets' },
      { ...good, subjects: [{ userId: randomUUID(), role: 'patient', organizationId: orgA }] },
      { ...good, subjects: [{ userId: randomUUID(), role: 'physician' }] },
      { ...good, subjects: Array.from({ length: 101 }, () => subject('nurse', orgA)) },
      { ...good, patientIds: 'all' },
    ]) {
      expect((await post(bad)).status).toBe(400);
    }
    expect((await post(good, { 'content-type': 'application/json' })).status).toBe(401);
  });
});
