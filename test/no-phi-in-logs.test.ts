import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { billingSubgraph } from '@caregraph/billing';
import { clinicalSubgraph } from '@caregraph/clinical';
import { createGateway } from '@caregraph/gateway';
import { messagingSubgraph } from '@caregraph/messaging';
import { patientsSubgraph } from '@caregraph/patients';
import { createLogger, resourceId, startSubgraphServer, type RunningSubgraph, type SubgraphDefinition } from '@caregraph/platform';
import { createImporter } from '@caregraph/tools';
import { createTestDatabase } from './support/database';
import { graphql, testAssertionKeys } from './support/services';

const FIXTURE = path.resolve(__dirname, '../../shared/fixtures/synthea/Nona_Kris_5f72d2e8-c56b-4288-a829-c1c1ebfad423.json');

/** HIPAA minimum necessary: operators' logs never carry patient data, even at debug level and on errors. */
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

  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const services: RunningSubgraph[] = [];
  let gateway: Awaited<ReturnType<typeof createGateway>>;

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

    const { pair } = await testAssertionKeys();
    const definitions: SubgraphDefinition<any>[] = [patientsSubgraph, clinicalSubgraph, billingSubgraph, messagingSubgraph];
    for (const definition of definitions) {
      services.push(await startSubgraphServer(definition, { assertionPublicKey: pair.publicKeyPem, port: 0, databaseUrl: db.url, poolMax: 2, logger: logger(definition.name) }));
    }
    gateway = await createGateway({
      logger: logger('gateway'),
      port: 0,
      assertionPrivateKey: pair.privateKeyPem,
      rateLimit: false,
      subgraphUrls: Object.fromEntries(services.map((s, i) => [definitions[i].name, s.url])),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all(services.map((s) => s.close()));
    await db?.drop();
  });

  it('keeps names, birth dates, identifiers, phones and addresses out of every service log', async () => {
    const family = patient.name[0].family as string;
    // a search by name, the whole chart, a bad input echoing PHI, a conflict, a comment about the patient
    await graphql(gateway.url, `query ($name: String) { patients(name: $name) { edges { node { id birthDate } } } }`, { name: family });
    await graphql(gateway.url, `query ($id: ID!) { patient(id: $id) { names { family } identifiers { value } encounters { edges { node { id } } } claims { edges { node { id } } } } }`, { id: patientId });
    await graphql(gateway.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`, {
      input: { names: [{ family, given: patient.name[0].given }], birthDate: '2999-13-45', gender: 'FEMALE', identifiers: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: patient.identifier[2].value }] },
    });
    await graphql(gateway.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`, { input: { names: [{ family }], birthDate: patient.birthDate, gender: 'NOT_A_GENDER' } });
    const registration = (await graphql(gateway.url, `query ($id: ID!) { patient(id: $id) { registrations { mrn organization { id } } } }`, { id: patientId })).data.patient.registrations[0];
    await graphql(gateway.url, `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`, { input: { patientId, organizationId: registration.organization.id, mrn: registration.mrn } });
    await graphql(gateway.url, `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { id } }`, { input: { patientId, body: `${patient.name[0].given[0]} ${family} born ${patient.birthDate}` } });

    expect(logText.split('\n').length).toBeGreaterThan(20); // the services did log, at debug level
    expect(logText).toContain('bundle rolled back');
    const leaked = phi.filter((value) => value && logText.includes(value));
    expect(leaked).toEqual([]);
  });
});
