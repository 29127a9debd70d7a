import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../subgraph';

describe('patients subgraph: registrations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;
  let patientId: string;
  let otherPatientId: string;
  let hospitalId: string;
  let practiceId: string;

  const REGISTER = `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id mrn status registeredAt patient { id } organization { id name } } }`;
  const UPDATE = `mutation ($input: UpdateRegistrationInput!) { updateRegistration(input: $input) { id mrn status } }`;
  const count = async () => Number((await service.orm.em.fork().getConnection().execute(`select count(*)::int as n from patients.patient_registration`))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase('registrations');
    service = await startTestSubgraph(patientsSubgraph, db.url);
    const patient = `mutation ($family: String!) { createPatient(input: { names: [{ family: $family, given: ["Reg"] }], gender: FEMALE }) { id } }`;
    patientId = (await graphqlOk(service.url, patient, { family: 'One' })).createPatient.id;
    otherPatientId = (await graphqlOk(service.url, patient, { family: 'Two' })).createPatient.id;
    hospitalId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "General Hospital", type: HOSPITAL }) { id } }`)).createOrganization.id;
    practiceId = (await graphqlOk(service.url, `mutation { createOrganization(input: { name: "Family Practice", type: PRACTICE }) { id } }`)).createOrganization.id;
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('registers a patient at organizations and lists them on the patient', async () => {
    const first = await graphqlOk(service.url, REGISTER, { input: { patientId, organizationId: hospitalId, mrn: 'H-0001', registeredAt: '2020-01-01T00:00:00Z' } });
    expect(first.registerPatient).toMatchObject({ mrn: 'H-0001', status: 'ACTIVE', registeredAt: '2020-01-01T00:00:00.000Z', patient: { id: patientId }, organization: { id: hospitalId, name: 'General Hospital' } });
    await graphqlOk(service.url, REGISTER, { input: { patientId, organizationId: practiceId, mrn: 'P-77' } });
    // the same MRN at another organization is fine
    await graphqlOk(service.url, REGISTER, { input: { patientId: otherPatientId, organizationId: practiceId, mrn: 'H-0001' } });

    const { patient } = await graphqlOk(service.url, `query ($id: ID!) { patient(id: $id) { registrations { mrn organization { name } patient { id } } } }`, { id: patientId });
    expect(patient.registrations).toEqual([
      { mrn: 'H-0001', organization: { name: 'General Hospital' }, patient: { id: patientId } },
      { mrn: 'P-77', organization: { name: 'Family Practice' }, patient: { id: patientId } },
    ]);
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
    ['an unknown organization', () => ({ patientId: otherPatientId, organizationId: '00000000-0000-4000-8000-000000000002', mrn: 'X1' }), 'NOT_FOUND', 'organizationId'],
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
});
