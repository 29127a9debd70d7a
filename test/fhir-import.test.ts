import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { v5 as uuidv5 } from 'uuid';
import { createLogger, resourceId } from '@caregraph/platform';
import { BundleError, createImporter, validateBundle, type Importer, type ImportSummary } from '@caregraph/tools';
import { createTestDatabase } from './support/database';

jest.setTimeout(180_000);

const FIXTURES = path.resolve(__dirname, '../../shared/fixtures/synthea');
const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort().map((name) => path.join(FIXTURES, name));
const SMALL_FIXTURE = files.reduce((a, b) => (readFileSync(a).length <= readFileSync(b).length ? a : b));

const HANDLED: Record<string, string> = {
  Patient: '"patients"."patient"',
  Organization: '"patients"."organization"',
  Practitioner: '"patients"."practitioner"',
  Encounter: '"clinical"."encounter"',
  Condition: '"clinical"."condition"',
  AllergyIntolerance: '"clinical"."allergy_intolerance"',
  Immunization: '"clinical"."immunization"',
  Procedure: '"clinical"."procedure"',
  Observation: '"clinical"."observation"',
  DiagnosticReport: '"clinical"."diagnostic_report"',
  ImagingStudy: '"clinical"."imaging_study"',
  MedicationRequest: '"clinical"."medication_request"',
  CarePlan: '"clinical"."care_plan"',
  Goal: '"clinical"."goal"',
  Claim: '"billing"."claim"',
  ExplanationOfBenefit: '"billing"."explanation_of_benefit"',
};

interface Entry {
  fullUrl?: string;
  resource: { resourceType: string; id: string; [key: string]: any };
}
interface FixtureBundle {
  resourceType: 'Bundle';
  type: string;
  entry: Entry[];
}

const readBundle = (file: string): FixtureBundle => JSON.parse(readFileSync(file, 'utf8'));

/** What the fixtures carry: resources per type, distinct ids per type, distinct (patient, serviceProvider) pairs. */
function expectations() {
  const counts: Record<string, number> = {};
  const ids: Record<string, Set<string>> = {};
  const registrations = new Set<string>();
  for (const file of files) {
    for (const { resource } of readBundle(file).entry) {
      counts[resource.resourceType] = (counts[resource.resourceType] ?? 0) + 1;
      (ids[resource.resourceType] ??= new Set()).add(resourceId(resource.resourceType, resource.id));
      if (resource.resourceType === 'Encounter') registrations.add(`${resource.subject.reference}|${resource.serviceProvider.reference}`);
    }
  }
  return { counts, ids, registrations };
}

/** A copy of a fixture in which every UUID is replaced by a new one: a patient the database has never seen. */
function freshCopy(file: string, salt: string): FixtureBundle {
  const namespace = '3d1f1a7e-6a0b-4f5e-8a3c-2b9d7c4e5f60';
  const text = readFileSync(file, 'utf8').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (uuid) => uuidv5(`${salt}/${uuid}`, namespace));
  return JSON.parse(text);
}

describe('FHIR import of the Synthea fixtures', () => {
  let database: { url: string; drop(): Promise<void> };
  let importer: Importer;
  let sql: Client;
  let scratch: string;
  let first: ImportSummary;
  const expected = expectations();

  /** Rows in every table of the three schemas the import writes. */
  async function tableCounts(): Promise<Record<string, number>> {
    const { rows } = await sql.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_schema in ('patients', 'clinical', 'billing') and table_name <> 'mikro_orm_migrations' order by 1, 2`,
    );
    const counts: Record<string, number> = {};
    for (const row of rows) {
      const result = await sql.query<{ count: string }>(`select count(*) from "${row.schema}"."${row.name}"`);
      counts[`${row.schema}.${row.name}`] = Number(result.rows[0].count);
    }
    return counts;
  }

  /** Imports a bundle and returns the error it was rejected with. */
  async function rejection(work: Promise<unknown>): Promise<BundleError> {
    const error = await work.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    return error as BundleError;
  }

  beforeAll(async () => {
    database = await createTestDatabase('fhir_import');
    importer = await createImporter({ databaseUrl: database.url, logger: createLogger('import-test', 'silent') });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    scratch = mkdtempSync(path.join(tmpdir(), 'caregraph-import-'));
    first = await importer.importAll(files.map((file) => ({ file })), { total: files.length });
  });

  afterAll(async () => {
    await importer?.close();
    await sql?.end();
    await database?.drop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('stores exactly the distinct ids the bundles carry for every handled type', async () => {
    expect(first.bundles).toBe(files.length);
    for (const [type, table] of Object.entries(HANDLED)) {
      const { rows } = await sql.query<{ id: string }>(`select id from ${table} order by id`);
      expect({ type, ids: rows.map((row) => row.id) }).toEqual({ type, ids: [...expected.ids[type]].sort() });
      // organizations and practitioners repeat across bundles: the first import creates, the others update
      expect({ type, ...first.types[type] }).toEqual({
        type,
        inBundles: expected.counts[type],
        created: expected.ids[type].size,
        updated: expected.counts[type] - expected.ids[type].size,
        unhandled: 0,
      });
    }
  });

  it('derives one registration per patient and organization that has an encounter', async () => {
    const { rows } = await sql.query<{ count: string }>('select count(*) from "patients"."patient_registration"');
    expect(Number(rows[0].count)).toBe(expected.registrations.size);
    expect(first.types.PatientRegistration.created).toBe(expected.registrations.size);
    const unregistered = await sql.query('select id from "patients"."patient" p where not exists (select 1 from "patients"."patient_registration" r where r.patient_id = p.id)');
    expect(unregistered.rowCount).toBe(0);
  });

  it('leaves nothing of the fixtures unhandled: every resource type they carry has an owner', () => {
    const unowned = Object.keys(expected.counts).filter((type) => !(type in HANDLED)).sort();
    expect(unowned).toEqual([]);
    expect(first.unhandled).toEqual({});
    for (const type of Object.keys(expected.counts)) expect({ type, unhandled: first.types[type].unhandled }).toEqual({ type, unhandled: 0 });
    expect(first.resources).toBe(Object.values(expected.counts).reduce((a, b) => a + b, 0));
  });

  it('derives what the billing resources imply: one coverage per patient and payer billed, a payer payment per paying EOB', async () => {
    const bundles = files.map(readBundle);
    const billed = new Set(bundles.flatMap((b) => b.entry.filter((e) => e.resource.resourceType === 'Claim')
      .flatMap(({ resource }) => resource.insurance.map((i: any) => `${resource.patient.reference}|${i.coverage.display}`))));
    const paying = bundles.flatMap((b) => b.entry.filter((e) => e.resource.resourceType === 'ExplanationOfBenefit' && e.resource.payment.amount.value > 0));
    expect(paying.length).toBe(322);
    expect(first.types.Coverage).toMatchObject({ inBundles: 0, unhandled: 0 });
    const rows = async (table: string) => Number((await sql.query(`select count(*) from ${table}`)).rows[0].count);
    expect(await rows('"billing"."coverage"')).toBe(billed.size);
    expect(await rows('"billing"."payment"')).toBe(paying.length);
    expect(first.types.Payment.created).toBe(paying.length);
    // Synthea's five payer displays (private, medicaid, medicare, dual_eligible, no_insurance)
    expect((await sql.query(`select name, kind from "billing"."payer" order by name`)).rows).toEqual([
      { name: 'Dual eligible (Medicare and Medicaid)', kind: 'insurer' }, { name: 'Medicaid', kind: 'insurer' }, { name: 'Medicare', kind: 'insurer' },
      { name: 'Private insurance', kind: 'insurer' }, { name: 'Self-pay', kind: 'self-pay' },
    ]);
  });

  it('re-importing every bundle creates nothing and changes no row count', async () => {
    const before = await tableCounts();
    const again = await importer.importAll(files.map((file) => ({ file })));
    for (const [type, row] of Object.entries(again.types)) {
      expect({ type, created: row.created }).toEqual({ type, created: 0 });
    }
    for (const type of Object.keys(HANDLED)) expect({ type, updated: again.types[type].updated }).toEqual({ type, updated: expected.counts[type] });
    expect(await tableCounts()).toEqual(before);
  });

  it('rejects malformed JSON, naming the file, and writes nothing', async () => {
    const before = await tableCounts();
    const file = path.join(scratch, 'broken.json');
    writeFileSync(file, '{"resourceType": "Bundle", "type": "transaction", "entry": [');
    const error = await rejection(importer.importFile(file));
    expect(error.message).toMatch(/^broken\.json: malformed JSON/);
    expect(await tableCounts()).toEqual(before);
  });

  it('rejects JSON that is not a Bundle, an unsupported bundle type and an entry without a resource', async () => {
    const notBundle = await rejection(importer.importBundle({ resourceType: 'Patient', id: 'x' }, 'patient.json'));
    expect(notBundle.message).toBe('patient.json: not a FHIR Bundle (resourceType must be "Bundle")');

    const history = await rejection(importer.importBundle({ resourceType: 'Bundle', type: 'history', entry: [] }, 'history.json'));
    expect(history.message).toMatch(/^history\.json: unsupported bundle type "history"/);

    const bundle = freshCopy(SMALL_FIXTURE, 'no-resource');
    const fullUrl = bundle.entry[3].fullUrl;
    delete (bundle.entry[3] as Partial<Entry>).resource;
    const noResource = await rejection(importer.importBundle(bundle, 'no-resource.json'));
    expect(noResource.entry).toEqual({ index: 3, fullUrl });
    expect(noResource.message).toBe(`no-resource.json: entry[3] (fullUrl ${fullUrl}): entry has no resource`);

    const noType = freshCopy(SMALL_FIXTURE, 'no-type');
    delete (noType.entry[2].resource as Partial<Entry['resource']>).resourceType;
    expect((await rejection(importer.importBundle(noType, 'no-type.json'))).message).toMatch(/entry\[2\] .*resource has no valid resourceType/);
  });

  it('rejects a bundle whose Patient entry is missing, naming the first entry that references it, and writes nothing', async () => {
    const before = await tableCounts();
    const bundle = freshCopy(SMALL_FIXTURE, 'missing-patient');
    const patientAt = bundle.entry.findIndex((entry) => entry.resource.resourceType === 'Patient');
    const patientUrl = bundle.entry[patientAt].fullUrl!;
    bundle.entry.splice(patientAt, 1);
    const referencing = bundle.entry.findIndex((entry) => JSON.stringify(entry.resource).includes(`"${patientUrl}"`));
    expect(referencing).toBeGreaterThanOrEqual(0);

    const error = await rejection(importer.importBundle(bundle, 'missing-patient.json'));
    const entry = bundle.entry[referencing];
    expect(error.entry).toMatchObject({ index: referencing, fullUrl: entry.fullUrl, resourceType: entry.resource.resourceType });
    expect(error.entry!.path).toMatch(new RegExp(`^${entry.resource.resourceType}\\..*reference$`));
    expect(error.message).toContain(`entry[${referencing}] (fullUrl ${entry.fullUrl}, ${entry.resource.resourceType}) at ${error.entry!.path}`);
    expect(error.message).toContain('not in the bundle');
    expect(await tableCounts()).toEqual(before);
  });

  it('rejects a reference changed to point outside the bundle, with the JSON path of the reference', async () => {
    const before = await tableCounts();
    const bundle = freshCopy(SMALL_FIXTURE, 'bad-reference');
    const at = bundle.entry.findIndex((entry) => entry.resource.resourceType === 'Encounter');
    bundle.entry[at].resource.participant[0].individual.reference = 'Practitioner/not-in-this-bundle';
    const error = await rejection(importer.importBundle(bundle, 'bad-reference.json'));
    expect(error.entry).toEqual({ index: at, fullUrl: bundle.entry[at].fullUrl, resourceType: 'Encounter', path: 'Encounter.participant[0].individual.reference' });
    expect(error.message).toContain('"Practitioner/not-in-this-bundle" points at a resource that is not in the bundle');
    expect(await tableCounts()).toEqual(before);
  });

  it('rolls back every owner when a later owner fails: no half-imported patient, and the error names the entry', async () => {
    const before = await tableCounts();
    const bundle = freshCopy(SMALL_FIXTURE, 'bad-claim');
    const claims = bundle.entry.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.resource.resourceType === 'Claim');
    const bad = claims[Math.floor(claims.length / 2)];
    const total = bad.entry.resource.total.value; // an EOB may state it again: only the currency breaks
    bad.entry.resource.total = { value: total, currency: 'dollars' }; // not an ISO 4217 code

    const error = await rejection(importer.importBundle(bundle, 'bad-claim.json'));
    expect(error.entry).toEqual({ index: bad.index, fullUrl: bad.entry.fullUrl, resourceType: 'Claim' });
    expect(error.message).toContain(`bad-claim.json: entry[${bad.index}] (fullUrl ${bad.entry.fullUrl}, Claim): the billing subgraph rejected it`);
    expect(error.message).toContain('Claim.total.currency must be an ISO 4217 code');
    expect(error.message).toContain('nothing of this bundle was imported');
    // patients and clinical had written their part in their transactions: all rolled back
    expect(await tableCounts()).toEqual(before);

    // the same bundle with the claim fixed imports completely
    bad.entry.resource.total = { value: total, currency: 'USD' };
    const summary = await importer.importBundle(bundle, 'fixed-claim.json');
    expect(summary.types.Patient.created).toBe(1);
    const after = await tableCounts();
    expect(after['patients.patient']).toBe(before['patients.patient'] + 1);
    expect(after['billing.claim']).toBe(before['billing.claim'] + claims.length);
  });
});

describe('bundle validation', () => {
  const bundle = (entry: unknown[], type = 'collection') => ({ resourceType: 'Bundle', type, entry });

  it('resolves Type/id references with non-UUID ids, contained references and urn:uuid fullUrls without resource ids', () => {
    const view = validateBundle(bundle([
      { fullUrl: 'http://example.org/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'p1' } },
      { fullUrl: 'urn:uuid:8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a11', resource: { resourceType: 'Organization', name: 'Clinic' } },
      {
        resource: {
          resourceType: 'Encounter', id: 'e1', contained: [{ resourceType: 'Location', id: 'room' }],
          subject: { reference: 'Patient/p1' }, location: [{ location: { reference: '#room' } }],
          serviceProvider: { reference: 'urn:uuid:8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a11' },
          participant: [{ individual: { reference: 'http://example.org/fhir/Patient/p1' } }],
        },
      },
    ], 'batch'), 'ok.json');
    expect(view.view.resolve('Patient/p1')).toBe(resourceId('Patient', 'p1'));
    expect(view.view.resolve('http://example.org/fhir/Patient/p1')).toBe(resourceId('Patient', 'p1'));
    expect(view.view.byId.get('8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a11')).toMatchObject({ resourceType: 'Organization', id: '8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a11' });
    expect(view.counts).toEqual({ Patient: 1, Organization: 1, Encounter: 1 });
    expect(view.view.byType.get('Encounter')).toHaveLength(1);
  });

  it("takes a searchset (what $everything answers) and passes over its outcome entries, which are about the search, not records", () => {
    const view = validateBundle({
      resourceType: 'Bundle', type: 'searchset', entry: [
        { fullUrl: 'urn:uuid:8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a12', resource: { resourceType: 'Patient', id: '8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a12' }, search: { mode: 'match' } },
        { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'suppressed' }] }, search: { mode: 'outcome' } },
      ],
    }, 'everything.json');
    expect(view.counts).toEqual({ Patient: 1 });
    // outside a searchset an OperationOutcome is an entry like any other (and, without an id, refused)
    expect(() => validateBundle({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'OperationOutcome' }, search: { mode: 'outcome' } }] }, 'c.json'))
      .toThrow(/resource has no id/);
  });

  it('rejects duplicates, references of the wrong type and entries without an id', () => {
    expect(() => validateBundle(bundle([
      { resource: { resourceType: 'Patient', id: 'p1' } },
      { resource: { resourceType: 'Patient', id: 'p1' } },
    ]), 'dup.json')).toThrow('dup.json: entry[1] (Patient): duplicate resource: the same Patient as entry[0]');
    expect(() => validateBundle(bundle([
      { resource: { resourceType: 'Patient', id: '8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a11' } },
      { resource: { resourceType: 'Encounter', id: 'e', serviceProvider: { reference: 'Organization/8f0b7c36-7a7e-4f0c-9d43-0c4b5bcb1a11' } } },
    ]), 'type.json')).toThrow(/entry\[1\] \(Encounter\) at Encounter\.serviceProvider\.reference: .*has type Organization but the entry it names is a Patient/);
    expect(() => validateBundle(bundle([{ fullUrl: 'Patient/x', resource: { resourceType: 'Patient' } }]), 'noid.json'))
      .toThrow('noid.json: entry[0] (fullUrl Patient/x, Patient): resource has no id and no urn:uuid fullUrl');
  });
});
