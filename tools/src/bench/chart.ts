import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, resourceId } from '@caregraph/platform';
import { Pool } from 'pg';
import { createImporter } from '../import/importer';
import { repoRoot } from '../import/database';
import { postGraphql } from '../gateway-client';
import { runLoad, type LoadResult } from './measure';
import type { BenchPlatform } from './platform-process';

/** The largest Synthea fixture: the longest chart we have real data for. */
export const CHART_FIXTURE = 'Tonia_Quitzon_30e6c1c1-df11-44d8-9a20-63876fabc494.json';

/**
 * What a clinician's chart screen asks for in one request: demographics, the first page of every
 * chart list with where each item came from, the latest vitals, the recent encounters with their
 * linked records, and the blood-pressure and HbA1c trends. Page sizes are variables, as a client
 * sends them (`$page` for the chart lists, `$recent` for encounters, reports, plans and notes). test/chart.test.ts bounds the SQL
 * statements this query costs; the bench times it.
 */
export const FULL_CHART_QUERY = `query Chart($id: ID!, $page: Int = 50, $recent: Int = 20) {
  patient(id: $id) {
    id names { given family } birthDate gender
    registrations { mrn organization { id name } }
    activeProblems(first: $page) { totalCount edges { node { id code { system code display } clinicalStatus onsetAt organization { id name } } } }
    activeMedications(first: $page) { totalCount edges { node { id code { code display } dosageText authoredOn status organization { id name } requester { id } } } }
    allergies(first: $page) { edges { node { id code { code display } criticality categories reactions { manifestations { display } severity } organization { id name } } } }
    latestVitals { id code { code display } effectiveAt valueQuantity { value unit } components { code { code } valueQuantity { value unit } } organization { id name } }
    conditions(first: $page) { totalCount edges { node { id code { code display } clinicalStatus verificationStatus onsetAt abatementAt organization { id } } } pageInfo { hasNextPage endCursor } }
    immunizations(first: $page) { totalCount edges { node { id vaccineCode { code display } occurredAt status organization { id } } } }
    procedures(first: $page) { totalCount edges { node { id code { code display } performedStart status organization { id } } } }
    observations(first: $page) { totalCount edges { node { id code { code display } category effectiveAt valueQuantity { value unit } organization { id } } } pageInfo { hasNextPage endCursor } }
    diagnosticReports(first: $recent) { totalCount edges { node { id code { code display } effectiveAt conclusion organization { id name } results { id code { code display } valueQuantity { value unit } } } } }
    imagingStudies(first: $recent) { edges { node { id modalities { code } bodySites { display } numberOfSeries numberOfInstances startedAt organization { id } } } }
    carePlans(first: $recent) { edges { node { id title status periodStart categories { display } activities { code { display } status } goals { id description } } } }
    goals(first: $recent) { edges { node { id description lifecycleStatus } } }
    clinicalNotes(first: $recent) { edges { node { id title version organization { id } } } }
    encounters(first: $recent) {
      totalCount
      edges { node {
        id periodStart periodEnd classCode status type { code display } reasons { display } locationName organization { id name }
        conditions { id code { display } }
        procedures { id code { display } }
        observations(first: $page) { id code { code display } valueQuantity { value unit } }
        diagnosticReports { id code { display } }
        immunizations { id vaccineCode { display } }
        medicationRequests { id code { display } }
      } }
      pageInfo { hasNextPage endCursor }
    }
    bloodPressure: observationSeries(code: "85354-9") { effectiveAt systolic diastolic unit organization { id } }
    hba1c: observationSeries(code: "4548-4") { effectiveAt value unit organization { id } }
  }
}`;

/**
 * The SQL floor: the same rows the chart returns, one plain statement per table (and per list),
 * no GraphQL, no access policy, no audit: what reading the chart costs at the very least.
 */
export const SQL_FLOOR: { table: string; sql: string }[] = [
  { table: 'patients.patient', sql: 'select * from patients.patient where id = $1' },
  { table: 'patients.patient_registration', sql: 'select * from patients.patient_registration where patient_id = $1' },
  { table: 'clinical.condition (active)', sql: `select * from clinical.condition where patient_id = $1 and clinical_status in ('active', 'recurrence', 'relapse') order by recorded_at desc, id limit 50` },
  { table: 'clinical.medication_request (active)', sql: `select * from clinical.medication_request where patient_id = $1 and status = 'active' order by authored_on desc, id limit 50` },
  { table: 'clinical.allergy_intolerance', sql: 'select * from clinical.allergy_intolerance where patient_id = $1 order by recorded_at desc, id limit 50' },
  { table: 'clinical.observation (latest vitals)', sql: `select distinct on (code_value) * from clinical.observation where patient_id = $1 and category = 'vital-signs' order by code_value, effective_at desc` },
  { table: 'clinical.condition', sql: 'select * from clinical.condition where patient_id = $1 order by recorded_at desc, id limit 50' },
  { table: 'clinical.immunization', sql: 'select * from clinical.immunization where patient_id = $1 order by occurred_at desc, id limit 50' },
  { table: 'clinical.procedure', sql: 'select * from clinical.procedure where patient_id = $1 order by performed_start desc, id limit 50' },
  { table: 'clinical.observation', sql: 'select * from clinical.observation where patient_id = $1 order by effective_at desc, id limit 50' },
  { table: 'clinical.diagnostic_report', sql: 'select * from clinical.diagnostic_report where patient_id = $1 order by effective_at desc, id limit 20' },
  { table: 'clinical.imaging_study', sql: 'select * from clinical.imaging_study where patient_id = $1 order by started_at desc, id limit 20' },
  { table: 'clinical.care_plan', sql: 'select * from clinical.care_plan where patient_id = $1 order by period_start desc, id limit 20' },
  { table: 'clinical.goal', sql: 'select * from clinical.goal where patient_id = $1 order by start_at desc nulls last, id limit 20' },
  { table: 'clinical.clinical_note', sql: 'select * from clinical.clinical_note where patient_id = $1 order by created_at desc, id limit 20' },
  { table: 'clinical.encounter', sql: 'select * from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20' },
  { table: 'clinical.condition (of the 20 encounters)', sql: `select * from clinical.condition where encounter_id in (select id from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20) order by recorded_at desc, id` },
  { table: 'clinical.procedure (of the 20 encounters)', sql: `select * from clinical.procedure where encounter_id in (select id from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20) order by performed_start desc, id` },
  { table: 'clinical.observation (of the 20 encounters)', sql: `select * from clinical.observation where encounter_id in (select id from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20) order by effective_at desc, id` },
  { table: 'clinical.diagnostic_report (of the 20 encounters)', sql: `select * from clinical.diagnostic_report where encounter_id in (select id from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20) order by effective_at desc, id` },
  { table: 'clinical.immunization (of the 20 encounters)', sql: `select * from clinical.immunization where encounter_id in (select id from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20) order by occurred_at desc, id` },
  { table: 'clinical.medication_request (of the 20 encounters)', sql: `select * from clinical.medication_request where encounter_id in (select id from clinical.encounter where patient_id = $1 order by period_start desc, id limit 20) order by authored_on desc, id` },
  { table: 'patients.organization', sql: 'select * from patients.organization where id in (select organization_id from clinical.encounter where patient_id = $1)' },
  { table: 'clinical.observation (series)', sql: `select * from clinical.observation where patient_id = $1 and code_value in ('85354-9', '55284-4', '4548-4') order by effective_at` },
];

export interface ChartBenchRow {
  clients: number;
  chart: LoadResult;
  floor: LoadResult;
  p50Ratio: number;
}

export interface ChartFixture {
  patientId: string;
  organizationId: string;
}

/**
 * Waits until every event consumer has caught up (after a large import the clinical subgraph
 * works through demographics and registrations events in the background): measuring before that
 * would time the catch-up too.
 */
export async function eventsConsumed(databaseUrl: string, timeoutMs = 6 * 3600_000): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 1000))) {
      const { rows } = await pool.query<{ done: boolean }>(
        'select coalesce((select max(id) from events.event), 0) <= coalesce((select min(last_id) from events.consumer_offset), 0) as done');
      if (rows[0].done) return;
    }
    throw new Error('the event consumers did not catch up');
  } finally {
    await pool.end();
  }
}

/**
 * Vacuums, analyzes and checkpoints after the seed: a freshly loaded database would otherwise run
 * autovacuum and checkpoints during the measurement (on a two-core machine, CPU the services need),
 * and a steady-state production database has its statistics anyway.
 */
async function settleDatabase(databaseUrl: string): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await pool.query('vacuum (analyze)');
    await pool.query('checkpoint');
  } finally {
    await pool.end();
  }
}

/** Imports the chart fixture into the bench platform's database (the product never needs it at run time). */
export async function importChartFixture(platform: BenchPlatform): Promise<ChartFixture> {
  const file = path.join(repoRoot, '..', 'shared', 'fixtures', 'synthea', CHART_FIXTURE);
  const importer = await createImporter({ databaseUrl: platform.databaseUrl, logger: createLogger('bench-import', 'warn') });
  try {
    await importer.importFile(file);
  } finally {
    await importer.close();
  }
  await eventsConsumed(platform.databaseUrl);
  await settleDatabase(platform.databaseUrl);
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry: { resource: { resourceType: string; id: string; serviceProvider?: { reference: string } } }[] };
  const patient = bundle.entry.find((entry) => entry.resource.resourceType === 'Patient')!.resource;
  const encounter = bundle.entry.find((entry) => entry.resource.resourceType === 'Encounter')!.resource;
  return {
    patientId: resourceId('Patient', patient.id),
    organizationId: resourceId('Organization', encounter.serviceProvider!.reference.replace(/^urn:uuid:|^Organization\//, '')),
  };
}

/**
 * The full chart through the gateway, as a physician of an organization that treats the patient,
 * against the SQL floor (the same rows read with one plain statement per table by one client).
 */
export async function benchChart(platform: BenchPlatform, fixture: ChartFixture, options: { durationMs: number; warmupMs: number }): Promise<ChartBenchRow[]> {
  const token = await platform.tokenFor({
    kind: 'user', userId: 'bench-physician', role: 'physician', organizationId: fixture.organizationId, patientId: null, sessionId: 'bench',
  });
  const headers = { authorization: `Bearer ${token}` };
  const chart = async () => {
    const data = await postGraphql(platform.gatewayUrl, FULL_CHART_QUERY, { id: fixture.patientId }, headers);
    if (!data.patient?.encounters?.edges?.length) throw new Error('incomplete chart');
  };
  const rows: ChartBenchRow[] = [];
  for (const count of [1, 10]) {
    // one connection per client loop, as many as the loops: the floor never waits for a connection
    const pool = new Pool({ connectionString: platform.databaseUrl, max: count });
    try {
      const floor = async () => {
        const client = await pool.connect();
        try {
          for (const { sql } of SQL_FLOOR) await client.query(sql, [fixture.patientId]);
        } finally {
          client.release();
        }
      };
      const floorResult = await runLoad(floor, { clients: count, ...options });
      const chartResult = await runLoad(chart, { clients: count, ...options });
      rows.push({ clients: count, chart: chartResult, floor: floorResult, p50Ratio: Math.round((chartResult.p50 / floorResult.p50) * 100) / 100 });
    } finally {
      await pool.end();
    }
  }
  return rows;
}
