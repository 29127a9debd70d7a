import { Client } from 'pg';
import type { Encounter } from '@medplum/fhirtypes';
import { staff } from './support/principals';
import { startChartServices, type ChartServices } from './support/chart-services';
import { graphqlOk } from './support/services';
import { planWithoutScansOrSorts } from './support/explain';
import { captureStatements, type Statement } from './support/statements';
import { largestFixture, refId, resourcesOf } from './support/synthea';

jest.setTimeout(240_000);

const { bundle, patientId } = largestFixture();
const organizationId = refId(resourcesOf<Encounter>('Encounter', bundle)[0].serviceProvider!.reference);

/** Every chart list and each filter it takes (besides paging), as a client would pass them. */
const COMMON = ['', `organizationId: "${organizationId}"`, 'from: "2010-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z"'];
const LISTS: Record<string, string[]> = {
  encounters: [...COMMON, 'status: FINISHED', 'code: "185349003"'],
  conditions: [...COMMON, 'clinicalStatus: ACTIVE', 'category: ENCOUNTER_DIAGNOSIS', 'code: "44054006"'],
  activeProblems: [...COMMON, 'code: "44054006"'],
  medicationRequests: [...COMMON, 'status: ACTIVE', 'code: "860975"'],
  activeMedications: [...COMMON, 'code: "860975"'],
  allergies: [...COMMON, 'clinicalStatus: ACTIVE', 'category: FOOD', 'code: "300913006"'],
  immunizations: [...COMMON, 'status: COMPLETED', 'code: "140"'],
  procedures: [...COMMON, 'status: COMPLETED', 'code: "430193006"'],
  observations: [...COMMON, 'status: FINAL', 'category: LABORATORY', 'code: "4548-4"'],
  diagnosticReports: [...COMMON, 'status: FINAL', 'category: "LAB"', 'code: "51990-0"'],
  imagingStudies: [...COMMON, 'modality: "DX"'],
  carePlans: [...COMMON, 'status: ACTIVE', 'code: "698360004"'],
  goals: [...COMMON, 'lifecycleStatus: ACTIVE', 'code: "x"'],
  clinicalNotes: [...COMMON],
};

/**
 * "Every filter and sort is backed by an index": each statement a chart list sends, with each of
 * its filters, is planned on the real schema with sequential scans and sorts priced out
 * (`enable_seqscan`, `enable_sort` off). Where an index serves the filter the plan has no Seq Scan,
 * and where an index gives the newest-first order, no Sort: a list without an index for its patient
 * and order fails here however small the test data is (the planner cannot avoid what it has no
 * index for). Each single filter also has its own (patient_id, <filter>, <date> desc, id) index in
 * the migrations; which one the planner picks on test-sized tables is its business.
 */
describe('chart lists are served by indexes', () => {
  let chart: ChartServices;
  let sql: Client;
  const physician = staff('physician', organizationId);

  beforeAll(async () => {
    chart = await startChartServices('chart_indexes', { fixtures: [largestFixture().file] });
    sql = new Client({ connectionString: chart.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await chart?.close();
  });

  // price out what an index would spare: a table scan, and sorting (when an index can give the order)
  const plan = (statement: Statement) => planWithoutScansOrSorts(sql, statement);

  /** The statements the clinical subgraph sends for one list with one filter, with their plans. */
  async function plansOf(field: string, filter: string): Promise<{ sql: string; nodes: any[] }[]> {
    const args = ['first: 10', filter].filter(Boolean).join(', ');
    const query = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { ${field}(${args}) { totalCount edges { node { id } } } } } }`;
    const { result, statements } = await captureStatements([chart.clinical.orm], () => graphqlOk(chart.clinical.url, query, { id: patientId }, { principal: physician }));
    expect(result._entities[0][field]).not.toBeNull();
    const reads = statements.filter((s) => /from "clinical"\./.test(s.sql));
    expect(reads.length).toBeGreaterThan(0);
    return Promise.all(reads.map(async (statement) => ({ sql: statement.sql, nodes: await plan(statement) })));
  }

  for (const [field, filters] of Object.entries(LISTS)) {
    it(`${field}: every filter and the newest-first order come from an index`, async () => {
      for (const filter of filters) {
        for (const { sql: text, nodes } of await plansOf(field, filter)) {
          const scans = nodes.filter((node) => node['Node Type'] === 'Seq Scan').map((node) => node['Relation Name']);
          expect({ field, filter, seqScans: scans }).toEqual({ field, filter, seqScans: [] });
          if (/ limit /i.test(text)) {
            const sorts = nodes.filter((node) => node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort').length;
            expect({ field, filter, sorts }).toEqual({ field, filter, sorts: 0 });
          }
        }
      }
    });
  }

  it('latest vitals and observation trends come from an index', async () => {
    const query = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
      latestVitals { id } bp: observationSeries(code: "85354-9") { effectiveAt } weight: observationSeries(code: "29463-7", from: "2015-01-01T00:00:00Z") { effectiveAt } } } }`;
    const { statements } = await captureStatements([chart.clinical.orm], () => graphqlOk(chart.clinical.url, query, { id: patientId }, { principal: physician }));
    const reads = statements.filter((s) => /from "clinical"\."observation"/.test(s.sql));
    expect(reads.length).toBe(3);
    for (const statement of reads) {
      const scans = (await plan(statement)).filter((node) => node['Node Type'] === 'Seq Scan');
      expect(scans).toEqual([]);
    }
  });
});
