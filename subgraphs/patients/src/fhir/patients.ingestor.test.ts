import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createLogger, openDatabase, resourceId, type EntityManager, type FhirResource, type MikroORM, type RunningSubgraph,
} from '@caregraph/platform';
import type { Bundle, Encounter } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../test/support/database';
import { staff } from '../../../../test/support/principals';
import { graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsIngestor } from '../index';
import { patientsSubgraph } from '../subgraph';
import { derivedMrn } from './derived';

const FIXTURES = path.resolve(__dirname, '../../../..', '../shared/fixtures/synthea');


function load(file: string) {
  const bundle = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle;
  const view = bundleViewOf((bundle.entry ?? []).map((entry) => entry.resource as FhirResource));
  const resources = patientsIngestor.resourceTypes.flatMap((type) => view.byType.get(type) ?? []);
  const encounters = (view.byType.get('Encounter') ?? []) as Encounter[];
  const distinct = (keys: string[]) => new Set(keys).size;
  const expected = {
    Patient: view.byType.get('Patient')!.length,
    Organization: view.byType.get('Organization')!.length,
    Practitioner: view.byType.get('Practitioner')!.length,
    PatientRegistration: distinct(encounters.map((e) => `${e.subject?.reference}|${e.serviceProvider?.reference}`)),
    PractitionerRole: distinct(encounters.flatMap((e) => (e.participant ?? []).map((p) => `${p.individual?.reference}|${e.serviceProvider?.reference}`))),
  };
  return { bundle, view, resources, expected };
}

describe('patients FHIR ingestor', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let orm: MikroORM;
  const tables = ['patient', 'patient_identifier', 'patient_name_token', 'organization', 'practitioner', 'practitioner_name_token', 'practitioner_role', 'patient_registration'];
  const rowCounts = async () => {
    const [row] = await orm.em.fork().getConnection().execute(`select ${tables.map((t) => `(select count(*) from patients.${t})::int as ${t}`).join(', ')}`);
    return row as Record<string, number>;
  };
  const ingestInTransaction = (fixture: ReturnType<typeof load>) =>
    orm.em.fork().transactional((em) => patientsIngestor.ingest(em as EntityManager, fixture.resources, fixture.view));

  beforeAll(async () => {
    db = await createTestDatabase('ingest');
    orm = await openDatabase(patientsSubgraph.database, { databaseUrl: db.url, logger: createLogger('test', 'silent') });
  });
  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  it('imports a multi-provider chart: counts match the bundle, registrations and roles are derived', async () => {
    const fixture = load('Carlota_Muro_ba29bb08-e7d6-44c2-92cc-894cc29b8494.json');
    expect(fixture.expected).toMatchObject({ Organization: 3, PatientRegistration: 3 });
    const counts = await ingestInTransaction(fixture);
    expect(counts).toEqual(Object.fromEntries(Object.entries(fixture.expected).map(([kind, n]) => [kind, { created: n, updated: 0 }])));

    const rows = await rowCounts();
    expect(rows).toMatchObject({ patient: 1, organization: 3, practitioner: 3, patient_registration: 3, practitioner_role: fixture.expected.PractitionerRole });

    const conn = orm.em.fork().getConnection();
    const patientFhir = fixture.view.byType.get('Patient')![0] as any;
    const patientId = resourceId('Patient', patientFhir.id);
    const [patient] = await conn.execute(`select * from patients.patient where id = ?`, [patientId]);
    expect(patient).toMatchObject({ birth_date: patientFhir.birthDate, gender: patientFhir.gender, language: 'es', deceased: false });
    expect(patient.names[0]).toMatchObject({ use: 'official', family: patientFhir.name[0].family, prefix: ['Ms.'] });
    expect(patient.marital_status).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus' });
    const identifiers = await conn.execute(`select system, type from patients.patient_identifier where patient_id = ? order by system`, [patientId]);
    expect(identifiers).toContainEqual({ system: 'http://hl7.org/fhir/sid/us-ssn', type: 'SS' });
    expect(identifiers).toHaveLength(patientFhir.identifier.length);

    const registrations = await conn.execute(`select organization_id, mrn from patients.patient_registration where patient_id = ?`, [patientId]);
    for (const registration of registrations) expect(registration.mrn).toBe(derivedMrn(registration.organization_id, patientId));
    const npis = await conn.execute(`select npi from patients.practitioner order by npi`);
    expect(npis.every((row: any) => /^\d+$/.test(row.npi))).toBe(true); // Synthea's short NPIs are kept as given
  });

  it('re-imports without duplicates: nothing created, everything reported updated', async () => {
    const fixture = load('Carlota_Muro_ba29bb08-e7d6-44c2-92cc-894cc29b8494.json');
    const before = await rowCounts();
    const mrnsBefore = await orm.em.fork().getConnection().execute(`select id, mrn from patients.patient_registration order by id`);
    const counts = await ingestInTransaction(fixture);
    expect(counts).toEqual(Object.fromEntries(Object.entries(fixture.expected).map(([kind, n]) => [kind, { created: 0, updated: n }])));
    expect(await rowCounts()).toEqual(before);
    expect(await orm.em.fork().getConnection().execute(`select id, mrn from patients.patient_registration order by id`)).toEqual(mrnsBefore);
  });

  /** A physician of an organization where the bundle's patient was registered by the import. */
  const physicianOf = async (fixture: ReturnType<typeof load>) => {
    const patientId = resourceId('Patient', fixture.view.byType.get('Patient')![0].id!);
    const [row] = await orm.em.fork().getConnection().execute(
      `select organization_id from patients.patient_registration where patient_id = ? and status = 'active' order by organization_id limit 1`, [patientId]);
    return staff('physician', row.organization_id);
  };

  it('maps death, maiden names and organization types, and serves the imported data over GraphQL', async () => {
    const nonaBundle = load('Nona_Kris_5f72d2e8-c56b-4288-a829-c1c1ebfad423.json');
    const jonelleBundle = load('Jonelle_Kohler_5fb0178e-9765-4750-9ae5-cad09fd70a17.json');
    await ingestInTransaction(nonaBundle);
    await ingestInTransaction(jonelleBundle);
    let service: RunningSubgraph | undefined;
    try {
      service = await startTestSubgraph(patientsSubgraph, db.url);
      // imported patients are seen where the import registered them, and nowhere else
      const nonaPhysician = { principal: await physicianOf(nonaBundle) };
      const stranger = { principal: staff('physician', randomUUID()) }; // of an organization the import never registered anyone at
      expect((await graphqlOk(service.url, `{ patients(name: "nona kr") { edges { node { id } } } }`, {}, stranger)).patients.edges).toEqual([]);
      const nona = await graphqlOk(service.url, `{ patients(name: "nona kr") { edges { node { deceased deceasedAt names { given family }
        registrations { mrn organization { name type } } } } } }`, {}, nonaPhysician);
      expect(nona.patients.edges).toHaveLength(1);
      const node = nona.patients.edges[0].node;
      expect(node).toMatchObject({ deceased: true, deceasedAt: '1996-10-21T21:51:36.000Z', names: [{ family: expect.stringMatching(/^Kris/) }] });
      expect(node.registrations.length).toBeGreaterThan(0);
      for (const registration of node.registrations) expect(registration.mrn).toMatch(/^\d{16}$/);

      // a maiden name is searchable too
      const maiden = await graphqlOk(service.url, `{ patients(name: "macgyver jon") { edges { node { names { use family } } } } }`, {},
        { principal: await physicianOf(jonelleBundle) });
      expect(maiden.patients.edges).toHaveLength(1);
      expect(maiden.patients.edges[0].node.names.map((n: any) => n.use)).toEqual(['official', 'maiden']);

      // the directory is readable by any signed-in staff member
      const organizations = await graphqlOk(service.url, `{ organizations(first: 100) { edges { node { name type practitionerRoles { totalCount } } } } }`, {}, stranger);
      const typeOf = new Map(organizations.organizations.edges.map((e: any) => [e.node.name, e.node.type]));
      expect(typeOf.get('NEWTON-WELLESLEY HOSPITAL')).toBe('HOSPITAL');
      expect(typeOf.get('MERCY MEDICAL CTR')).toBe('HOSPITAL');
      expect(organizations.organizations.edges.every((e: any) => e.node.practitionerRoles.totalCount >= 1)).toBe(true);

      const practitioners = await graphqlOk(service.url, `{ practitioners(first: 100) { totalCount edges { node { npi roles { code { code } organization { name } } } } } }`, {}, stranger);
      expect(practitioners.practitioners.totalCount).toBe((await rowCounts()).practitioner);
      expect(practitioners.practitioners.edges.every((e: any) => e.node.roles.length >= 1 && e.node.roles[0].code.code === 'doctor')).toBe(true);
    } finally {
      await service?.close();
    }
  });

  it('reads each kind with one query whatever the bundle size (no N+1)', async () => {
    const connection = orm.em.getConnection() as unknown as { executeQuery: (...args: unknown[]) => Promise<unknown> };
    const original = connection.executeQuery;
    const selectsFor = async (file: string) => {
      const selects: string[] = [];
      connection.executeQuery = function (this: unknown, ...args: unknown[]) {
        if (/^\s*select/i.test(String(args[0]))) selects.push(String(args[0]));
        return original.apply(this, args);
      };
      try {
        await ingestInTransaction(load(file));
      } finally {
        connection.executeQuery = original;
      }
      return selects.length;
    };
    const small = await selectsFor('Ned_Hintz_e4b9259d-0f54-48d1-a35d-b526729a4dfe.json'); // 1 organization, 6 encounters
    const large = await selectsFor('Tonia_Quitzon_30e6c1c1-df11-44d8-9a20-63876fabc494.json'); // 3 organizations, 56 encounters
    expect(small).toBeGreaterThanOrEqual(3);
    expect(large).toBeLessThanOrEqual(12);
    expect(large).toBe(small);
  });

  it('writes nothing when the surrounding transaction fails', async () => {
    const before = await rowCounts();
    const fixture = load('Xavier_Lueilwitz_1af31141-7c85-4dc9-8472-8fd3fa953ee8.json');
    await expect(
      (orm.em.fork() as EntityManager).transactional(async (em) => {
        await patientsIngestor.ingest(em as EntityManager, fixture.resources, fixture.view);
        throw new Error('another owner failed');
      }),
    ).rejects.toThrow('another owner failed');
    expect(await rowCounts()).toEqual(before);
  });
});
