import { Client } from 'pg';
import type { Bundle } from '@medplum/fhirtypes';
import { createLogger } from '@caregraph/platform';
import {
  demoBundleCount, demoDirectory, demoPatient, demoPatientCount, generateDemoBundles, npiCheckDigit, seedDemoAccountsIfMissing, seedDemoIfEmpty, validateBundle,
} from '@caregraph/tools';
import { createTestDatabase } from './support/database';

jest.setTimeout(120_000);

const serialize = (options: Parameters<typeof generateDemoBundles>[0]) => [...generateDemoBundles(options)].map(({ source, bundle }) => `${source}\n${JSON.stringify(bundle)}`);
const resourcesOf = (bundles: Bundle[], type: string) => bundles.flatMap((b) => b.entry ?? []).map((e) => e.resource!).filter((r) => r.resourceType === type);

describe('demo data generator', () => {
  it('is deterministic: the same seed gives identical bundles, another seed different ones', () => {
    const a = serialize({ seed: 7, patients: 90, patientsPerBundle: 40 });
    expect(a).toHaveLength(3);
    expect(serialize({ seed: 7, patients: 90, patientsPerBundle: 40 })).toEqual(a);
    const b = serialize({ seed: 8, patients: 90, patientsPerBundle: 40 });
    expect(b).toHaveLength(3);
    b.forEach((bundle, i) => expect(bundle).not.toEqual(a[i]));
  });

  it('gives patient i the same data whatever the batch size or total, so big runs extend the small demo', () => {
    const patients = (options: Parameters<typeof generateDemoBundles>[0]) =>
      resourcesOf([...generateDemoBundles(options)].map((item) => item.bundle), 'Patient').map((p) => JSON.stringify(p));
    const small = patients({ seed: 3, patients: 30, patientsPerBundle: 30 });
    expect(patients({ seed: 3, patients: 50, patientsPerBundle: 7 }).slice(0, 30)).toEqual(small);
  });

  it('yields 100k patients lazily in bundles of 500', () => {
    expect(demoBundleCount({ patients: 100_000 })).toBe(200);
    const iterator = generateDemoBundles({ seed: 1, patients: 100_000 });
    const first = iterator.next();
    expect(first.done).toBe(false);
    const bundle = (first.value as { bundle: Bundle }).bundle;
    expect(resourcesOf([bundle], 'Patient')).toHaveLength(500);
    // the last patient is generated from (seed, index) alone, without generating the others
    const directory = demoDirectory(1);
    expect(demoPatient(directory, 1, 99_999).patient.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('builds 4 hospitals, 4 practices and 2 payers whose practitioners have valid 10-digit NPIs', () => {
    const directory = demoDirectory(11);
    expect(directory.hospitals).toHaveLength(4);
    expect(directory.practices).toHaveLength(4);
    expect(directory.payers).toHaveLength(2);
    const practitioners = directory.organizations.flatMap((o) => o.practitioners);
    expect(practitioners.length).toBeGreaterThanOrEqual(16);
    const npis = practitioners.map((p) => p.identifier!.find((i) => i.system === 'http://hl7.org/fhir/sid/us-npi')!.value!);
    for (const npi of npis) {
      expect(npi).toMatch(/^\d{10}$/);
      expect(Number(npi[9])).toBe(npiCheckDigit(npi.slice(0, 9)));
    }
    expect(new Set(npis).size).toBe(npis.length);
    // the check digit of the CMS example NPI 1234567893
    expect(npiCheckDigit('123456789')).toBe(3);
  });

  it('registers every patient somewhere, several at two or more organizations, with claims for encounters and accented names', () => {
    const directory = demoDirectory(5);
    const records = Array.from({ length: 60 }, (_, i) => demoPatient(directory, 5, i));
    for (const record of records) {
      expect(record.organizationIds.length).toBeGreaterThanOrEqual(1);
      expect(new Set(record.encounters.map((e) => e.serviceProvider!.reference))).toEqual(new Set(record.organizationIds.map((id) => `urn:uuid:${id}`)));
      expect(record.claims.map((c) => c.item![0].encounter![0].reference)).toEqual(record.encounters.map((e) => `urn:uuid:${e.id}`));
    }
    expect(records.filter((r) => r.organizationIds.length >= 2).length).toBeGreaterThanOrEqual(20);
    const names = records.map((r) => `${r.patient.name![0].given!.join(' ')} ${r.patient.name![0].family}`);
    expect(names.filter((name) => /[^\u0000-\u007f]/.test(name)).length).toBeGreaterThanOrEqual(5);
    // and the bundles pass the importer's validation (every reference inside the bundle)
    for (const { source, bundle } of generateDemoBundles({ seed: 5, patients: 60, patientsPerBundle: 25 })) {
      expect(validateBundle(bundle, source).entries.length).toBe(bundle.entry!.length);
    }
  });

  it('reads DEMO_PATIENTS, defaulting to 60', () => {
    expect(demoPatientCount({})).toBe(60);
    expect(demoPatientCount({ DEMO_PATIENTS: '250' })).toBe(250);
    expect(() => demoPatientCount({ DEMO_PATIENTS: 'lots' })).toThrow('DEMO_PATIENTS must be a positive integer');
  });
});

describe('seedDemoIfEmpty', () => {
  let database: { url: string; drop(): Promise<void> };
  let sql: Client;
  const logger = createLogger('demo-test', 'silent');

  beforeAll(async () => {
    database = await createTestDatabase('demo_seed');
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  const count = async (table: string) => Number((await sql.query<{ count: string }>(`select count(*) from ${table}`)).rows[0].count);

  it('seeds the demo into an empty database once, through the importer', async () => {
    const first = await seedDemoIfEmpty({ databaseUrl: database.url, logger, patients: 60 });
    expect(first.seeded).toBe(true);
    expect(first.summary!.types.Patient.created).toBe(60);
    expect(first.summary!.unhandled).toEqual({});
    expect(await count('"patients"."patient"')).toBe(60);
    expect(await count('"patients"."organization"')).toBe(10);

    const types = await sql.query<{ type: string; count: string }>('select type, count(*) from "patients"."organization" group by type order by type');
    expect(types.rows.map((r) => [r.type, Number(r.count)])).toEqual([['hospital', 4], ['payer', 2], ['practice', 4]]);

    // every patient registered at one organization at least, several at two or more
    const perPatient = await sql.query<{ organizations: string }>(
      `select count(r.id) as organizations from "patients"."patient" p left join "patients"."patient_registration" r on r.patient_id = p.id group by p.id`,
    );
    const registrations = perPatient.rows.map((r) => Number(r.organizations));
    expect(Math.min(...registrations)).toBeGreaterThanOrEqual(1);
    expect(registrations.filter((n) => n >= 2).length).toBeGreaterThanOrEqual(20);

    // a registration carries the MRN its organization assigned (identifier type MR with that assigner)
    const mismatched = await sql.query(
      `select r.id from "patients"."patient_registration" r
        where not exists (select 1 from "patients"."patient_identifier" i
                           where i.patient_id = r.patient_id and i.type = 'MR' and i.value = r.mrn)`,
    );
    expect(mismatched.rowCount).toBe(0);

    // every practitioner works somewhere, with a 10-digit NPI
    const practitioners = await sql.query<{ npi: string | null; roles: string }>(
      `select p.npi, count(r.id) as roles from "patients"."practitioner" p left join "patients"."practitioner_role" r on r.practitioner_id = p.id group by p.id, p.npi`,
    );
    for (const row of practitioners.rows) {
      expect(row.npi).toMatch(/^\d{10}$/);
      expect(Number(row.roles)).toBeGreaterThanOrEqual(1);
    }

    const encounters = await count('"clinical"."encounter"');
    expect(encounters).toBe(first.summary!.types.Encounter.created);
    // a claim per encounter; the hospitals' billing ledgers (test/demo-billing.test.ts) bill services without one
    expect(await count('"billing"."claim" where "encounter_id" is not null')).toBe(encounters);

    // a chart to look at: vital signs at every visit, chronic conditions, HbA1c for the diabetics, flu shots
    const withoutVitals = await sql.query(`select e.id from "clinical"."encounter" e where not exists (
      select 1 from "clinical"."observation" o where o.encounter_id = e.id and o.code_value = '85354-9' and jsonb_array_length(o.components) = 2)`);
    expect(withoutVitals.rowCount).toBe(0);
    expect(await count('"clinical"."observation"')).toBe(first.summary!.types.Observation.created);
    const conditions = await sql.query<{ code: string; patients: string }>(
      `select code_value as code, count(distinct patient_id) as patients from "clinical"."condition" group by 1 order by 1`);
    expect(conditions.rows.map((r) => r.code)).toEqual(['44054006', '59621000']);
    const diabetics = Number(conditions.rows[0].patients);
    expect(diabetics).toBeGreaterThanOrEqual(1);
    const [{ tested }] = (await sql.query(`select count(distinct patient_id) as tested from "clinical"."observation" where code_value = '4548-4'`)).rows;
    expect(Number(tested)).toBe(diabetics);
    expect(await count('"clinical"."immunization"')).toBeGreaterThan(0);

    const second = await seedDemoIfEmpty({ databaseUrl: database.url, logger, patients: 60 });
    expect(second).toEqual({ seeded: false });
    expect(await count('"patients"."patient"')).toBe(60);
    expect(await count('"clinical"."encounter"')).toBe(encounters);
  });
  it('adds demo sign-ins for every role at two hospitals and the consent story, once', async () => {
    const first = await seedDemoAccountsIfMissing({ databaseUrl: database.url, logger });
    expect(new Set(first!.accounts.map((a) => a.role))).toEqual(new Set(['physician', 'nurse', 'billing', 'org_admin', 'compliance', 'patient']));
    expect(new Set(first!.accounts.filter((a) => a.role !== 'patient').map((a) => a.organizationId)).size).toBe(2);
    const patientOne = first!.accounts.find((a) => a.email === 'patient1@patients.demo')!.patientId;
    const patientTwo = first!.accounts.find((a) => a.email === 'patient2@patients.demo')!.patientId;
    const hospitals = [...new Set(first!.accounts.filter((a) => a.role === 'physician').map((a) => a.organizationId))];
    // each demo physician is a practitioner of their hospital (so they can be @mentioned)
    for (const physician of first!.accounts.filter((a) => a.role === 'physician')) {
      const roles = await sql.query(`select 1 from "patients"."practitioner_role" where practitioner_id = $1 and organization_id = $2`, [physician.practitionerId, physician.organizationId]);
      expect(roles.rowCount).toBeGreaterThan(0);
    }

    // patient 1 shares everything with the second hospital; patient 2 shares nothing
    const consents = await sql.query(`select patient_id, organization_id, category from "patients"."patient_consent" where revoked_at is null`);
    expect(consents.rows).toEqual([{ patient_id: patientOne, organization_id: expect.any(String), category: 'all' }]);
    expect(hospitals).toContain(consents.rows[0].organization_id);
    expect(consents.rows.some((r) => r.patient_id === patientTwo)).toBe(false);

    const accountsBefore = await count('"identity"."user_account"');
    await seedDemoAccountsIfMissing({ databaseUrl: database.url, logger });
    expect(await count('"identity"."user_account"')).toBe(accountsBefore);
    expect(await count('"patients"."patient_consent"')).toBe(1);
  });
});

