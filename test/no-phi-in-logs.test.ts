import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { billingSubgraph } from '@caregraph/billing';
import { clinicalSubgraph } from '@caregraph/clinical';
import { createGateway } from '@caregraph/gateway';
import { messagingSubgraph } from '@caregraph/messaging';
import { patientsSubgraph } from '@caregraph/patients';
import {
  accessDecisionsUrl, createLogger, resourceId, startSubgraphServer, type RunningSubgraph, type SubgraphDefinition,
} from '@caregraph/platform';
import { createImporter } from '@caregraph/tools';
import { createTestDatabase } from './support/database';
import { bearer, testAccessTokenKeys } from './support/platform';
import { insertOrganization, patientUser, staff, withSql, type UserPrincipal } from './support/principals';
import { graphql, testAssertionKeys, type GraphQLResponse } from './support/services';

const FIXTURE = path.resolve(__dirname, '../../shared/fixtures/synthea/Nona_Kris_5f72d2e8-c56b-4288-a829-c1c1ebfad423.json');

/**
 * HIPAA minimum necessary: operators' logs never carry patient data, even at debug level, on
 * errors, and on refusals (no token, a hidden patient, the wrong role, break-glass).
 */
describe('no PHI in log output', () => {
  let logText = '';
  const sink = new Writable({ write(chunk, _encoding, done) { logText += chunk.toString(); done(); } });
  const logger = (service: string) => createLogger(service, 'debug', sink);

  const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const patient = bundle.entry[0].resource;
  /** What must never be logged: names, birth date, identifiers, phone, address. */
  const phi: string[] = [
    ...patient.name.flatMap((n: { given: string[]; family: string }) => [...n.given, n.family]),
    patient.birthDate,
    ...patient.identifier.map((i: { value: string }) => i.value),
    ...patient.telecom.map((t: { value: string }) => t.value),
    ...patient.address.flatMap((a: { line: string[] }) => a.line),
  ];
  const patientId = resourceId('Patient', patient.id);
  const family = patient.name[0].family as string;
  const given = patient.name[0].given as string[];

  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const services: RunningSubgraph[] = [];
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  /** The imported patient's registration (the organization its encounters were at). */
  let registration: { organizationId: string; mrn: string };
  let otherOrganizationId: string;

  beforeAll(async () => {
    db = await createTestDatabase('no_phi');
    const importer = await createImporter({ databaseUrl: db.url, logger: logger('importer') });
    await importer.importFile(FIXTURE);
    // a bundle that fails in a later owner: rolled back, and the failure is logged
    const broken = structuredClone(bundle);
    const claim = broken.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Claim');
    claim.resource.total = { value: 1.234, currency: 'USD' };
    await expect(importer.importBundle(broken, 'broken.json')).rejects.toThrow();
    await importer.close();

    // wired as `npm start` wires them, each logging at debug into the sink: patients first (the
    // access policy the others ask), then a gateway that checks tokens and audits refusals
    const { pair } = await testAssertionKeys();
    const definitions: SubgraphDefinition<any>[] = [patientsSubgraph, clinicalSubgraph, billingSubgraph, messagingSubgraph];
    for (const definition of definitions) {
      services.push(await startSubgraphServer(definition, {
        assertionPublicKey: pair.publicKeyPem, port: 0, databaseUrl: db.url, poolMax: 2, logger: logger(definition.name),
        accessPolicyUrl: definition.accessPolicy ? undefined : accessDecisionsUrl(services[0].url),
      }));
    }
    gateway = await createGateway({
      logger: logger('gateway'),
      port: 0,
      assertionPrivateKey: pair.privateKeyPem,
      accessTokenPublicKey: testAccessTokenKeys().publicKey,
      auditDatabaseUrl: db.url,
      rateLimit: false,
      subgraphUrls: Object.fromEntries(services.map((s, i) => [definitions[i].name, s.url])),
    });
    [registration] = await withSql(db.url, (sql) =>
      sql(`select organization_id as "organizationId", mrn from patients.patient_registration where patient_id = $1 and status = 'active' order by registered_at limit 1`, [patientId]));
    otherOrganizationId = await insertOrganization(db.url);
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(services.map((s) => s.close()));
    await db?.drop();
  });

  /** One operation through the gateway as `principal`. */
  const as = async (principal: UserPrincipal, query: string, variables: Record<string, unknown> = {}) =>
    graphql(gateway.url, query, variables, await bearer(principal));
  const codes = (response: GraphQLResponse) => response.errors?.map((e) => e.extensions?.code) ?? [];

  const SEARCH = `query ($name: String) { patients(name: $name) { edges { node { id birthDate } } } }`;
  const CHART = `query ($id: ID!) { patient(id: $id) {
    id names { family given } birthDate identifiers { value } telecom { value } addresses { line } registrations { mrn }
    encounters { edges { node { id } } } claims { edges { node { id } } } chartComments { edges { node { id body } } } } }`;
  const CREATE = `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`;
  const UPDATE = `mutation ($input: UpdatePatientInput!) { updatePatient(input: $input) { id } }`;
  const REGISTER = `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`;
  const COMMENT = `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { id } }`;
  const ENCOUNTER = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id } }`;
  const BREAK_GLASS = `mutation ($patientId: ID!, $reason: String!) { breakGlass(patientId: $patientId, reason: $reason) { id } }`;
  const aboutThePatient = () => `${given[0]} ${family} born ${patient.birthDate}, SSN ${patient.identifier[2].value}, ${patient.telecom[0].value}`;
  const newPatientInput = () => ({
    names: [{ family, given }], birthDate: patient.birthDate, gender: 'FEMALE',
    identifiers: [{ system: 'urn:test:copy', value: patient.identifier[2].value }],
    telecom: [{ system: 'phone', value: patient.telecom[0].value }], addresses: [{ line: patient.address[0].line }],
  });

  it('keeps names, birth dates, identifiers, phones and addresses out of every service log', async () => {
    const physician = staff('physician', registration.organizationId);
    const billing = staff('billing', registration.organizationId);
    const stranger = staff('physician', otherOrganizationId); // the patient is hidden from them
    const nurseElsewhere = staff('nurse', otherOrganizationId);

    // no token: refused at the gateway (and audited) whatever the variables carry
    const anonymous = await graphql(gateway.url, SEARCH, { name: family });
    expect(anonymous.status).toBe(401);

    // an authorized clinician: a search by name, the whole chart (claims are billing's: null)
    const found = await as(physician, SEARCH, { name: family });
    expect(found.data.patients.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(patientId);
    const chart = await as(physician, CHART, { id: patientId });
    expect(chart.errors).toBeUndefined();
    expect(chart.data.patient).toMatchObject({ id: patientId, birthDate: patient.birthDate, claims: null });
    expect(chart.data.patient.encounters.edges.length).toBeGreaterThan(0);

    // writes: bad input echoing PHI, a GraphQL validation failure, a created and an updated
    // patient, a conflict, an encounter and a comment about the patient
    expect(codes(await as(physician, CREATE, { input: { ...newPatientInput(), birthDate: '2999-13-45' } }))).toEqual(['BAD_USER_INPUT']);
    expect((await as(physician, CREATE, { input: { names: [{ family }], birthDate: patient.birthDate, gender: 'NOT_A_GENDER' } })).status).toBe(400);
    const created = await as(physician, CREATE, { input: newPatientInput() });
    expect(created.errors).toBeUndefined();
    const createdId = created.data.createPatient.id as string;
    expect(codes(await as(physician, UPDATE, { input: { id: patientId, telecom: [{ system: 'phone', value: patient.telecom[0].value }], names: patient.name.map((n: { family: string; given: string[] }) => ({ family: n.family, given: n.given })) } }))).toEqual([]);
    expect(codes(await as(physician, REGISTER, { input: { patientId, organizationId: registration.organizationId, mrn: registration.mrn } }))).toEqual(['CONFLICT']); // already registered there
    expect(codes(await as(physician, ENCOUNTER, { input: { patientId, organizationId: registration.organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-05-01T09:00:00Z' } }))).toEqual([]);
    expect(codes(await as(physician, COMMENT, { input: { patientId, body: aboutThePatient() } }))).toEqual([]);

    // billing staff: the claims, but no chart comments (wrong role) and no new patients
    const claims = await as(billing, `query ($id: ID!) { patient(id: $id) { claims { edges { node { id } } } } }`, { id: patientId });
    expect(claims.data.patient.claims.edges.length).toBeGreaterThan(0);
    expect(codes(await as(billing, COMMENT, { input: { patientId, body: aboutThePatient() } }))).toEqual(['FORBIDDEN']);
    expect(codes(await as(billing, CREATE, { input: newPatientInput() }))).toEqual(['FORBIDDEN']);

    // another organization's clinicians: the patient is hidden (as if unknown), and stays so
    expect((await as(stranger, SEARCH, { name: family })).data.patients.edges).toEqual([]);
    expect((await as(stranger, CHART, { id: patientId })).data.patient).toBeNull();
    expect(codes(await as(stranger, COMMENT, { input: { patientId, body: aboutThePatient() } }))).toEqual(['NOT_FOUND']);
    expect(codes(await as(stranger, ENCOUNTER, { input: { patientId, organizationId: otherOrganizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-05-01T09:00:00Z' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await as(stranger, UPDATE, { input: { id: patientId, names: [{ family, given }] } }))).toEqual(['NOT_FOUND']);
    expect(codes(await as(stranger, REGISTER, { input: { patientId, organizationId: otherOrganizationId, mrn: `${family}-1` } }))).toEqual(['NOT_FOUND']);
    expect(codes(await as(nurseElsewhere, REGISTER, { input: { patientId, organizationId: registration.organizationId, mrn: `${family}-2` } }))).toEqual(['FORBIDDEN']);

    // break-glass, with a reason that names the patient, then the chart under it
    expect(codes(await as(stranger, BREAK_GLASS, { patientId, reason: `Unconscious in ED: ${aboutThePatient()}` }))).toEqual([]);
    expect((await as(stranger, CHART, { id: patientId })).data.patient).toMatchObject({ id: patientId });

    // the patient: their own record, not the copy made above
    const self = patientUser(patientId);
    expect((await as(self, CHART, { id: patientId })).data.patient).toMatchObject({ id: patientId });
    expect((await as(self, CHART, { id: createdId })).data.patient).toBeNull();

    expect(logText.split('\n').length).toBeGreaterThan(20); // the services did log, at debug level
    expect(logText).toContain('bundle rolled back');
    expect(logText).toContain('access token refused');
    const leaked = phi.filter((value) => value && logText.includes(value));
    expect(leaked).toEqual([]);
  });
});
