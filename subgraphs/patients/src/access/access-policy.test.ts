import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';
import { Patient } from '../patient/patient.entity';
import { accessiblePatients, categoriesOfScopes, decidePatientAccess, type AccessCategory } from './access-policy';

/**
 * The decision matrix on real Postgres. Organization A is the caller's; B is elsewhere.
 * Patients (all registered at B, so only the named basis can open them to A):
 */
const PATIENTS = [
  'registered', // also registered (active) at A
  'inactiveReg', // registered at A, registration inactive
  'consentClinical', 'consentBilling', 'consentAll', // active consent to A
  'none', // nothing for A
  'expired', // consent `all` to A, expired
  'future', // consent `all` to A granted after "now" (not yet in force)
  'revoked', // consent `all` to A, revoked
  'breakGlass', // the physician's active break-glass
  'breakGlassExpired', // the physician's expired break-glass
  'otherOrgConsent', // consent `all` to B only
] as const;
type PatientKey = (typeof PATIENTS)[number];
type Expect = Partial<Record<PatientKey, string>>; // basis, per patient; missing = denied

const CATEGORIES: AccessCategory[] = ['demographics', 'clinical', 'billing'];

describe('decidePatientAccess', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  const orgA = randomUUID();
  const orgB = randomUUID();
  const physicianId = randomUUID();
  const ids = {} as Record<PatientKey, string>;
  const now = new Date();
  const hour = 3600_000;
  const sql = (text: string, params: unknown[] = []) => service.orm.em.fork().getConnection().execute(text, params);

  beforeAll(async () => {
    db = await createTestDatabase('access_policy');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    for (const [id, name] of [[orgA, 'Org A'], [orgB, 'Org B']]) {
      await sql(`insert into patients.organization (id, name, search_name, type) values (?, ?, ?, 'hospital')`, [id, name, name.toLowerCase()]);
    }
    for (const key of PATIENTS) {
      ids[key] = randomUUID();
      await sql(`insert into patients.patient (id, sort_name) values (?, ?)`, [ids[key], key]);
      await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values (?, ?, ?, ?)`, [randomUUID(), ids[key], orgB, key]);
    }
    await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values (?, ?, ?, 'A1')`, [randomUUID(), ids.registered, orgA]);
    await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn, status) values (?, ?, ?, 'A2', 'inactive')`, [randomUUID(), ids.inactiveReg, orgA]);
    const consent = (patient: PatientKey, org: string, category: string, extra: { grantedAt?: Date; expiresAt?: Date; revokedAt?: Date } = {}) =>
      sql(
        `insert into patients.patient_consent (id, patient_id, organization_id, category, granted_at, expires_at, revoked_at, granted_by_type, granted_by_id, revoked_by_type, revoked_by_id)
         values (?, ?, ?, ?, ?, ?, ?, 'user', 'u', ?, ?)`,
        [randomUUID(), ids[patient], org, category, extra.grantedAt ?? new Date(now.getTime() - 24 * hour), extra.expiresAt ?? null, extra.revokedAt ?? null,
          extra.revokedAt ? 'user' : null, extra.revokedAt ? 'u' : null],
      );
    await consent('consentClinical', orgA, 'clinical', { expiresAt: new Date(now.getTime() + hour) });
    await consent('consentBilling', orgA, 'billing');
    await consent('consentAll', orgA, 'all');
    await consent('expired', orgA, 'all', { expiresAt: new Date(now.getTime() - hour) });
    await consent('future', orgA, 'all', { grantedAt: new Date(now.getTime() + hour) });
    await consent('revoked', orgA, 'all', { revokedAt: new Date(now.getTime() - hour) });
    await consent('otherOrgConsent', orgB, 'all');
    const breakGlass = (patient: PatientKey, startedAt: Date, expiresAt: Date) =>
      sql(`insert into patients.break_glass_access (id, user_id, organization_id, patient_id, reason, started_at, expires_at) values (?, ?, ?, ?, 'emergency care needed', ?, ?)`,
        [randomUUID(), physicianId, orgA, ids[patient], startedAt, expiresAt]);
    await breakGlass('breakGlass', new Date(now.getTime() - 10 * 60_000), new Date(now.getTime() + 50 * 60_000));
    await breakGlass('breakGlassExpired', new Date(now.getTime() - 2 * hour), new Date(now.getTime() - hour));
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const user = (role: string, organizationId: string | null = orgA, extra: Partial<{ userId: string; patientId: string | null }> = {}): Principal =>
    ({ kind: 'user', userId: extra.userId ?? randomUUID(), role, organizationId, patientId: extra.patientId ?? null, sessionId: 's' }) as Principal;
  const client = (scopes: string[], organizationId: string | null = orgA): Principal => ({ kind: 'client', clientId: 'app', organizationId, scopes });

  async function decide(principal: Principal, category: AccessCategory, at = now): Promise<Expect> {
    const decisions = await decidePatientAccess(service.orm.em.fork(), principal, PATIENTS.map((key) => ids[key]), category, at);
    const result: Expect = {};
    for (const key of PATIENTS) {
      const decision = decisions.get(ids[key])!;
      expect(decision.allowed).toBe(decision.basis !== null);
      if (decision.allowed) result[key] = decision.basis!;
    }
    return result;
  }

  /**
   * Clinicians: demographics and clinical, by registration, a consent covering clinical (a
   * billing-only consent opens nothing to them) or their own break-glass; never billing.
   */
  const clinician = (cat: AccessCategory, breakGlass: boolean): Expect => cat === 'billing' ? {} : {
    registered: 'registration',
    consentClinical: 'consent',
    consentAll: 'consent',
    ...(breakGlass ? { breakGlass: 'break-glass' } : {}),
  };
  /** Every category by registration or a consent covering it (a partner app reading everything). */
  const everyCategory = (cat: AccessCategory): Expect => ({
    registered: 'registration',
    ...(cat !== 'billing' ? { consentClinical: 'consent' } : {}),
    ...(cat !== 'clinical' ? { consentBilling: 'consent' } : {}),
    consentAll: 'consent',
  });

  const cases: [string, () => Principal, Record<AccessCategory, Expect>][] = [
    ['physician (with a break-glass)', () => user('physician', orgA, { userId: physicianId }), {
      demographics: clinician('demographics', true), clinical: clinician('clinical', true), billing: clinician('billing', true),
    }],
    ['nurse (break-glass is per user)', () => user('nurse'), {
      demographics: clinician('demographics', false), clinical: clinician('clinical', false), billing: clinician('billing', false),
    }],
    ['billing staff', () => user('billing'), {
      demographics: { registered: 'registration', consentBilling: 'consent', consentAll: 'consent' },
      clinical: {},
      billing: { registered: 'registration', consentBilling: 'consent', consentAll: 'consent' },
    }],
    ['org_admin', () => user('org_admin'), { demographics: { registered: 'registration' }, clinical: {}, billing: {} }],
    ['compliance', () => user('compliance'), { demographics: { registered: 'registration' }, clinical: {}, billing: {} }],
    ['a patient (own record only, even where registered elsewhere)', () => user('patient', null, { patientId: '' }), { demographics: {}, clinical: {}, billing: {} }],
    ['a physician without an organization', () => user('physician', null, { userId: physicianId }), { demographics: {}, clinical: {}, billing: {} }],
    ['client system/*.read', () => client(['system/*.read']), {
      demographics: everyCategory('demographics'), clinical: everyCategory('clinical'), billing: everyCategory('billing'),
    }],
    ['client system/Claim.read', () => client(['system/Claim.read']), {
      demographics: { registered: 'registration', consentBilling: 'consent', consentAll: 'consent' },
      clinical: {},
      billing: { registered: 'registration', consentBilling: 'consent', consentAll: 'consent' },
    }],
    ['client user/Observation.read', () => client(['user/Observation.read']), {
      demographics: { registered: 'registration', consentClinical: 'consent', consentAll: 'consent' },
      clinical: { registered: 'registration', consentClinical: 'consent', consentAll: 'consent' },
      billing: {},
    }],
    ['client system/Observation.rs (SMART v2)', () => client(['system/Observation.rs']), {
      demographics: { registered: 'registration', consentClinical: 'consent', consentAll: 'consent' },
      clinical: { registered: 'registration', consentClinical: 'consent', consentAll: 'consent' },
      billing: {},
    }],
    ['client with a write-only scope', () => client(['system/Observation.cud']), { demographics: {}, clinical: {}, billing: {} }],
    ['client without an organization', () => client(['system/*.read'], null), { demographics: {}, clinical: {}, billing: {} }],
    ['anonymous', () => ({ kind: 'anonymous' }), { demographics: {}, clinical: {}, billing: {} }],
    ['system', () => ({ kind: 'system', purpose: 'import' }), { demographics: {}, clinical: {}, billing: {} }],
  ];

  describe.each(cases)('%s', (_label, principal, expected) => {
    it.each(CATEGORIES)('%s', async (category) => {
      expect(await decide(principal(), category)).toEqual(expected[category]);
    });
  });

  it('a patient sees their own record in every category, and nobody else', async () => {
    const principal = user('patient', null, { patientId: ids.none });
    for (const category of CATEGORIES) expect(await decide(principal, category)).toEqual({ none: 'own-record' });
  });

  it('a consent stops at its expiry and a break-glass at its end, judged at the given time', async () => {
    const physician = user('physician', orgA, { userId: physicianId });
    const later = new Date(now.getTime() + 2 * hour);
    expect(await decide(physician, 'clinical', later)).toEqual({ registered: 'registration', consentAll: 'consent', future: 'consent' });
  });

  it('physicians and nurses no longer see billing, even of patients registered at their organization', async () => {
    for (const principal of [user('physician', orgA, { userId: physicianId }), user('nurse')]) {
      const decisions = await decidePatientAccess(service.orm.em.fork(), principal, [ids.registered, ids.consentBilling, ids.consentAll], 'billing');
      expect([...decisions.values()].every((decision) => !decision.allowed)).toBe(true);
    }
  });

  describe('accessiblePatients (the policy as a list condition) lists exactly the patients decidePatientAccess allows', () => {
    const later = new Date(now.getTime() + 2 * hour); // consentClinical and both break-glass windows over, `future` in force
    const everyone: [string, () => Principal][] = [
      ...cases.map(([label, principal]) => [label, principal] as [string, () => Principal]),
      ['a patient with a record', () => user('patient', null, { patientId: ids.consentAll })],
    ];
    it.each(everyone)('%s', async (_label, makePrincipal) => {
      const principal = makePrincipal();
      const keyOf = new Map(PATIENTS.map((key) => [ids[key], key]));
      for (const at of [now, later]) {
        for (const category of CATEGORIES) {
          const condition = accessiblePatients(principal, category, at);
          const listed = condition
            ? await service.orm.em.fork().find(Patient, { $and: [condition, { id: { $in: PATIENTS.map((key) => ids[key]) } }] })
            : [];
          const decided = await decide(principal, category, at);
          expect({ at: at.toISOString(), category, patients: listed.map((patient) => keyOf.get(patient.id)).sort() })
            .toEqual({ at: at.toISOString(), category, patients: Object.keys(decided).sort() });
        }
      }
    });
  });

  it('a revocation counts from the very next decision', async () => {
    const physician = user('nurse');
    const [before] = [(await decidePatientAccess(service.orm.em.fork(), physician, [ids.consentAll], 'clinical')).get(ids.consentAll)];
    expect(before).toEqual({ allowed: true, basis: 'consent' });
    const [{ id }] = (await sql(`select id from patients.patient_consent where patient_id = ?`, [ids.consentAll])) as { id: string }[];
    const admin = user('org_admin', orgB);
    await graphqlOk(service.url, `mutation ($id: ID!) { revokeConsent(id: $id) { revokedAt } }`, { id }, { principal: admin });
    const after = (await decidePatientAccess(service.orm.em.fork(), physician, [ids.consentAll], 'clinical')).get(ids.consentAll);
    expect(after).toEqual({ allowed: false, basis: null });
  });

  it('decides a batch of 20,000 ids in one call, denying unknown and malformed ids', async () => {
    const unknown = Array.from({ length: 20_000 }, () => randomUUID());
    const batch = [...unknown, ids.registered.toUpperCase(), 'not-a-uuid', ids.registered];
    const started = Date.now();
    const decisions = await decidePatientAccess(service.orm.em.fork(), user('org_admin'), batch, 'demographics');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(decisions.size).toBe(20_002);
    expect(decisions.get(ids.registered)).toEqual({ allowed: true, basis: 'registration' });
    expect(decisions.get('not-a-uuid')).toEqual({ allowed: false, basis: null });
    expect([...decisions.values()].filter((d) => d.allowed)).toHaveLength(1);
  });

  it('maps SMART scopes to categories', () => {
    expect([...categoriesOfScopes(['patient/*.read'])].sort()).toEqual(['billing', 'clinical', 'demographics']);
    expect([...categoriesOfScopes(['system/Claim.read'])].sort()).toEqual(['billing', 'demographics']);
    expect([...categoriesOfScopes(['user/Observation.read'])].sort()).toEqual(['clinical', 'demographics']);
    expect([...categoriesOfScopes(['system/Patient.read'])]).toEqual(['demographics']);
    expect([...categoriesOfScopes(['system/Claim.write', 'openid', 'launch'])]).toEqual([]);
  });
});
