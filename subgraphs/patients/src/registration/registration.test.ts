import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: registrations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  // patients referred to the hospital and the practice with their consent, not yet registered there
  let patientId: string;
  let otherPatientId: string;
  let hospitalId: string;
  let practiceId: string;
  // the callers: a physician of each organization (registration is staff work at their own organization)
  let hospitalPhysician: Principal;
  let practicePhysician: Principal;
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = hospitalPhysician) => call(url, query, variables, { principal });
  const graphqlOk = (url: string, query: string, variables: Record<string, unknown> = {}, principal: Principal = hospitalPhysician) => callOk(url, query, variables, { principal });

  const REGISTER = `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id mrn status registeredAt patient { id } organization { id name } } }`;
  const UPDATE = `mutation ($input: UpdateRegistrationInput!) { updateRegistration(input: $input) { id mrn status } }`;
  const count = async () => Number((await service.orm.em.fork().getConnection().execute(`select count(*)::int as n from patients.patient_registration`))[0].n);
  const registrationRow = async (id: string) =>
    (await withSql(db.url, (sql) => sql(`select mrn, status from patients.patient_registration where id = $1`, [id])))[0];
  /** A patient known only at a referring organization (with an active registration there). */
  const referredPatient = async (consentedTo: string[]) => {
    const id = await insertPatient(db.url, [referrerId]);
    for (const organizationId of consentedTo) await insertConsent(db.url, id, organizationId, 'clinical');
    return id;
  };
  let referrerId: string;

  beforeAll(async () => {
    db = await createTestDatabase('registrations');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    const directoryAdmin = staff('org_admin', await insertOrganization(db.url, 'Directory Keeper'));
    hospitalId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "General Hospital", type: HOSPITAL }) { id } }`, {}, directoryAdmin)).createOrganization.id;
    practiceId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "Family Practice", type: PRACTICE }) { id } }`, {}, directoryAdmin)).createOrganization.id;
    referrerId = await insertOrganization(db.url, 'Referring Clinic');
    hospitalPhysician = staff('physician', hospitalId);
    practicePhysician = staff('physician', practiceId);
    patientId = await insertPatient(db.url, []);
    otherPatientId = await insertPatient(db.url, []);
    for (const id of [patientId, otherPatientId]) {
      await insertConsent(db.url, id, hospitalId, 'clinical');
      await insertConsent(db.url, id, practiceId, 'all');
    }
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('registers a patient at organizations and lists them on the patient', async () => {
    const first = await graphqlOk(service.url, REGISTER, { input: { patientId, organizationId: hospitalId, mrn: 'H-0001', registeredAt: '2020-01-01T00:00:00Z' } });
    expect(first.registerPatient).toMatchObject({ mrn: 'H-0001', status: 'ACTIVE', registeredAt: '2020-01-01T00:00:00.000Z', patient: { id: patientId }, organization: { id: hospitalId, name: 'General Hospital' } });
    await graphqlOk(service.url, REGISTER, { input: { patientId, organizationId: practiceId, mrn: 'P-77' } }, practicePhysician);
    // the same MRN at another organization is fine
    await graphqlOk(service.url, REGISTER, { input: { patientId: otherPatientId, organizationId: practiceId, mrn: 'H-0001' } }, practicePhysician);

    const { patient } = await graphqlOk(service.url, `query ($id: ID!) { patient(id: $id) { registrations { mrn organization { name } patient { id } } } }`, { id: patientId });
    expect(patient.registrations).toEqual([
      { mrn: 'H-0001', organization: { name: 'General Hospital' }, patient: { id: patientId } },
      { mrn: 'P-77', organization: { name: 'Family Practice' }, patient: { id: patientId } },
    ]);
  });

  it('writes an audit row with the registration, in its transaction', async () => {
    const id = await referredPatient([hospitalId]);
    const { registerPatient } = await graphqlOk(service.url, REGISTER, { input: { patientId: id, organizationId: hospitalId, mrn: 'H-AUDIT' } });
    const rows = await withSql(db.url, (sql) => sql(
      `select actor_role, actor_organization_id, outcome, record_types, purpose from audit.event where patient_id = $1 and action = 'write'`, [id]));
    expect(rows).toEqual([{ actor_role: 'physician', actor_organization_id: hospitalId, outcome: 'success', record_types: ['PatientRegistration'], purpose: 'treatment' }]);
    expect(registerPatient.mrn).toBe('H-AUDIT');
  });

  it('answers a second registration at the same organization with CONFLICT on organizationId', async () => {
    const before = await count();
    const response = await graphql(service.url, REGISTER, { input: { patientId, organizationId: hospitalId, mrn: 'H-9999' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'organizationId' });
    expect(await count()).toBe(before);
  });

  it('answers a duplicate MRN within an organization with CONFLICT on mrn, without echoing it', async () => {
    const before = await count();
    const response = await graphql(service.url, REGISTER, { input: { patientId: otherPatientId, organizationId: hospitalId, mrn: 'H-0001' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'mrn' });
    expect(response.errors?.[0].message).not.toContain('H-0001');
    expect(await count()).toBe(before);
  });

  it.each([
    ['an unknown patient', () => ({ patientId: '00000000-0000-4000-8000-000000000001', organizationId: hospitalId, mrn: 'X1' }), 'NOT_FOUND', 'patientId'],
    ['an empty MRN', () => ({ patientId: otherPatientId, organizationId: hospitalId, mrn: '' }), 'BAD_USER_INPUT', 'mrn'],
    ['an MRN with spaces', () => ({ patientId: otherPatientId, organizationId: hospitalId, mrn: 'a b' }), 'BAD_USER_INPUT', 'mrn'],
    ['a malformed patient id', () => ({ patientId: 'p1', organizationId: hospitalId, mrn: 'X1' }), 'BAD_USER_INPUT', 'patientId'],
    ['a registration date in the future', () => ({ patientId: otherPatientId, organizationId: hospitalId, mrn: 'X1', registeredAt: '2999-01-01T00:00:00Z' }), 'BAD_USER_INPUT', 'registeredAt'],
  ])('rejects %s naming the field, and writes nothing', async (_label, input, code, field) => {
    const before = await count();
    const response = await graphql(service.url, REGISTER, { input: input() });
    expect(response.errors?.[0].extensions).toMatchObject({ code, field });
    expect(await count()).toBe(before);
  });

  it.each([
    ['another organization', () => practiceId],
    ['an organization not in the directory', () => '00000000-0000-4000-8000-000000000002'],
  ])('refuses registering a visible patient at %s with FORBIDDEN, and writes nothing', async (_label, organizationId) => {
    const before = await count();
    const response = await graphql(service.url, REGISTER, { input: { patientId: otherPatientId, organizationId: organizationId(), mrn: 'X2' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count()).toBe(before);
  });

  it('answers registering a patient the caller may not see exactly like an unknown one: NOT_FOUND on patientId, audited as denied', async () => {
    const hidden = await referredPatient([]); // registered at the referring clinic only, no consent
    const before = await count();
    const response = await graphql(service.url, REGISTER, { input: { patientId: hidden, organizationId: hospitalId, mrn: 'X3' } });
    const unknown = await graphql(service.url, REGISTER, { input: { patientId: '00000000-0000-4000-8000-000000000004', organizationId: hospitalId, mrn: 'X3' } });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
    expect(response.errors?.[0].message).toBe(unknown.errors?.[0].message);
    expect(await count()).toBe(before);
    const audit = await withSql(db.url, (sql) => sql(`select action, outcome, record_types from audit.event where patient_id = $1`, [hidden]));
    expect(audit).toEqual([{ action: 'read', outcome: 'denied', record_types: ['PatientRegistration'] }]);
  });

  it('lets a nurse register a referred patient seen through consent; an org_admin may not register (FORBIDDEN)', async () => {
    // a nurse sees a referred patient through consent
    const referred = await referredPatient([hospitalId]);
    const nurse = staff('nurse', hospitalId);
    expect((await graphqlOk(service.url, REGISTER, { input: { patientId: referred, organizationId: hospitalId, mrn: 'H-NURSE' } }, nurse)).registerPatient.mrn).toBe('H-NURSE');
    // an org_admin sees only patients already registered at their organization (no consent basis): registering
    // a referral is the clinicians' job, and an admin is told so rather than that the patient does not exist
    const adminOnly = await referredPatient([practiceId]);
    const admin = staff('org_admin', practiceId);
    const refused = await graphql(service.url, REGISTER, { input: { patientId: adminOnly, organizationId: practiceId, mrn: 'P-ADMIN' } }, admin);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  describe('refuses roles that do not register patients with FORBIDDEN, writing nothing', () => {
    const callers: [string, () => Principal][] = [
      ['billing staff', () => staff('billing', hospitalId)],
      ['a compliance officer', () => staff('compliance', hospitalId)],
      ['the patient', () => patientUser(otherPatientId)],
      ['a partner app', () => partnerApp(hospitalId, ['system/*.read', 'system/*.write'])],
    ];
    it.each(callers)('%s', async (_label, principal) => {
      const before = await count();
      const response = await graphql(service.url, REGISTER, { input: { patientId: otherPatientId, organizationId: hospitalId, mrn: 'X4' } }, principal());
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await count()).toBe(before);
    });
  });

  it('updates status and MRN; an MRN taken at the organization is a CONFLICT and changes nothing', async () => {
    const { registerPatient } = await graphqlOk(service.url, REGISTER, { input: { patientId: otherPatientId, organizationId: hospitalId, mrn: 'H-0002' } });
    const updated = await graphqlOk(service.url, UPDATE, { input: { id: registerPatient.id, status: 'INACTIVE', mrn: 'H-0003' } });
    expect(updated.updateRegistration).toEqual({ id: registerPatient.id, mrn: 'H-0003', status: 'INACTIVE' });

    const taken = await graphql(service.url, UPDATE, { input: { id: registerPatient.id, mrn: 'H-0001', status: 'ACTIVE' } });
    expect(taken.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'mrn' });
    const { patient } = await graphqlOk(service.url, `query ($id: ID!) { patient(id: $id) { registrations { id mrn status } } }`, { id: otherPatientId });
    expect(patient.registrations).toContainEqual({ id: registerPatient.id, mrn: 'H-0003', status: 'INACTIVE' });

    const missing = await graphql(service.url, UPDATE, { input: { id: '00000000-0000-4000-8000-000000000003', status: 'ACTIVE' } });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });

  describe("updateRegistration: only the registration's own organization", () => {
    let registrationId: string;
    beforeAll(async () => {
      const id = await referredPatient([hospitalId]);
      registrationId = (await graphqlOk(service.url, REGISTER, { input: { patientId: id, organizationId: hospitalId, mrn: 'H-OWN' } })).registerPatient.id;
    });

    it('lets an org_admin of the organization change it', async () => {
      const admin = staff('org_admin', hospitalId);
      expect((await graphqlOk(service.url, UPDATE, { input: { id: registrationId, mrn: 'H-OWN-2' } }, admin)).updateRegistration.mrn).toBe('H-OWN-2');
    });

    it("refuses staff of another organization who can see the patient with FORBIDDEN, and one who cannot with NOT_FOUND on id; nothing changes", async () => {
      const before = await registrationRow(registrationId);
      // the patient registered at the hospital is visible to the practice only once they consent to it
      const hiddenFromPractice = await graphql(service.url, UPDATE, { input: { id: registrationId, status: 'INACTIVE' } }, practicePhysician);
      expect(hiddenFromPractice.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      const [{ patient_id: ownerPatient }] = await withSql(db.url, (sql) => sql(`select patient_id from patients.patient_registration where id = $1`, [registrationId]));
      await insertConsent(db.url, ownerPatient, practiceId, 'clinical');
      const visibleToPractice = await graphql(service.url, UPDATE, { input: { id: registrationId, status: 'INACTIVE' } }, practicePhysician);
      expect(visibleToPractice.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await registrationRow(registrationId)).toEqual(before);
    });

    it.each([
      ['billing staff', () => staff('billing', hospitalId)],
      ['a compliance officer', () => staff('compliance', hospitalId)],
      ['a partner app', () => partnerApp(hospitalId, ['system/*.*'])],
    ])('refuses %s with FORBIDDEN, changing nothing', async (_label, principal) => {
      const before = await registrationRow(registrationId);
      const response = await graphql(service.url, UPDATE, { input: { id: registrationId, status: 'INACTIVE' } }, principal());
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(await registrationRow(registrationId)).toEqual(before);
    });
  });
});
