import { randomUUID } from 'node:crypto';
import type { Principal } from '@caregraph/platform';
import type { Observation as FhirObservation } from '@medplum/fhirtypes';
import { useChartServices } from '../../../../../test/support/chart-services';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { countStatements } from '../../../../../test/support/statements';
import { fixtureChart, providerOf } from '../../../../../test/support/synthea';
import { MAX_SERIES_POINTS } from './observation-series.types';

/** The patient of these tests: 15 weights and 15 blood pressures (LOINC 55284-4), HbA1c, lipids. */
const MAIN = fixtureChart('Coleman_Ortiz');
const mainObservations = MAIN.of<FhirObservation>('Observation');
const mainPatientId = MAIN.patientId;
const oldestFirst = (a: FhirObservation, b: FhirObservation) => a.effectiveDateTime!.localeCompare(b.effectiveDateTime!) || a.id!.localeCompare(b.id!);
const ofCode = (code: string) => mainObservations.filter((o) => o.code.coding![0].code === code).sort(oldestFirst);
const componentValue = (observation: FhirObservation, code: string) => observation.component!.find((c) => c.code.coding![0].code === code)!.valueQuantity!.value;

const SERIES = `query ($id: ID!, $code: String!, $from: DateTimeISO, $to: DateTimeISO) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) {
    ... on Patient { observationSeries(code: $code, from: $from, to: $to) { effectiveAt value unit systolic diastolic organization { id } observationId } }
  }
}`;

const organizationId = MAIN.organizationIds[0];
// a physician of one of the organizations the patient was seen at (registered there by the import)
const physician = staff('physician', organizationId);

describe('clinical subgraph: observation trends', () => {
  const chart = useChartServices('observation_trends', { principal: () => physician });
  const { graphql } = chart;
  const seriesOf = async (code: string, args: Record<string, unknown> = {}, principal: Principal = physician, id = mainPatientId) =>
    (await chart.graphqlOk(SERIES, { id, code, ...args }, principal))._entities[0].observationSeries;

  it('returns every measurement of a code in time order, values and units exactly as imported, in one SQL statement', async () => {
    const weights = ofCode('29463-7');
    expect(weights.length).toBe(15);
    const { result, statements } = await countStatements([chart.clinical.orm], () => seriesOf('29463-7'));
    expect(result).toEqual(weights.map((o) => ({
      effectiveAt: new Date(o.effectiveDateTime!).toISOString(),
      value: o.valueQuantity!.value,
      unit: 'kg',
      systolic: null,
      diastolic: null,
      organization: { id: providerOf(o) },
      observationId: o.id!.toLowerCase(),
    })));
    expect(statements.filter((sql) => /"observation"/.test(sql))).toHaveLength(1);
  });

  it('carries systolic and diastolic for blood pressure panels, asked as 85354-9 or as 55284-4', async () => {
    const pressures = ofCode('55284-4');
    expect(pressures.length).toBe(15);
    const expected = pressures.map((o) => ({
      effectiveAt: new Date(o.effectiveDateTime!).toISOString(),
      value: null,
      unit: 'mm[Hg]',
      systolic: componentValue(o, '8480-6'),
      diastolic: componentValue(o, '8462-4'),
      organization: { id: providerOf(o) },
      observationId: o.id!.toLowerCase(),
    }));
    expect(await seriesOf('85354-9')).toEqual(expected);
    expect(await seriesOf('55284-4')).toEqual(expected);
  });

  it('applies a [from, to) window', async () => {
    const weights = ofCode('29463-7');
    const from = weights[3].effectiveDateTime!;
    const to = weights[9].effectiveDateTime!;
    const points = await seriesOf('29463-7', { from, to });
    expect(points.map((p: any) => p.observationId)).toEqual(weights.slice(3, 9).map((o) => o.id!.toLowerCase()));
    const reversed = await graphql(SERIES, { id: mainPatientId, code: '29463-7', from: to, to: from });
    expect(reversed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it('leaves out measurements entered in error or cancelled', async () => {
    const [first, second] = ofCode('29463-7');
    await withSql(chart.db.url, (sql) => sql(`update clinical.observation set status = case when id = $1 then 'entered-in-error' else 'cancelled' end where id in ($1, $2)`, [first.id, second.id]));
    try {
      const ids = (await seriesOf('29463-7')).map((p: any) => p.observationId);
      expect(ids).toHaveLength(13);
      expect(ids).not.toContain(first.id!.toLowerCase());
      expect(ids).not.toContain(second.id!.toLowerCase());
    } finally {
      await withSql(chart.db.url, (sql) => sql(`update clinical.observation set status = 'final' where id in ($1, $2)`, [first.id, second.id]));
    }
  });

  it("merges every organization's measurements: another hospital's entry joins the imported ones", async () => {
    const hospital = await insertOrganization(chart.db.url);
    await insertConsent(chart.db.url, mainPatientId, hospital, 'clinical');
    const colleague = staff('nurse', hospital);
    const RECORD = `mutation ($input: RecordObservationsInput!) { recordObservations(input: $input) { id } }`;
    const loinc = (code: string) => ({ system: 'http://loinc.org', code });
    const effectiveAt = new Date(Date.now() - 3600_000).toISOString();
    const [weight, pressure] = (await chart.graphqlOk(RECORD, { input: { patientId: mainPatientId, observations: [
      { code: loinc('29463-7'), effectiveAt, value: 88.4, unit: 'kg' },
      { code: loinc('85354-9'), effectiveAt, components: [{ code: loinc('8480-6'), value: 142, unit: 'mm[Hg]' }, { code: loinc('8462-4'), value: 91, unit: 'mm[Hg]' }] },
    ] } }, colleague)).recordObservations;

    const weights = await seriesOf('29463-7');
    expect(weights).toHaveLength(16);
    expect(weights[15]).toEqual({ effectiveAt, value: 88.4, unit: 'kg', systolic: null, diastolic: null, organization: { id: hospital }, observationId: weight.id });
    expect(new Set(weights.map((p: any) => p.organization.id))).toEqual(new Set([...ofCode('29463-7').map((o) => providerOf(o)), hospital]));
    const pressures = await seriesOf('85354-9');
    expect(pressures).toHaveLength(16);
    expect(pressures[15]).toEqual({ effectiveAt, value: null, unit: 'mm[Hg]', systolic: 142, diastolic: 91, organization: { id: hospital }, observationId: pressure.id });
  });

  it(`keeps the most recent ${MAX_SERIES_POINTS} points, in time order, in one statement`, async () => {
    const patientId = await insertPatient(chart.db.url, [organizationId]);
    await withSql(chart.db.url, (sql) => sql(`
      insert into clinical.observation (id, patient_id, organization_id, status, category, code, code_value, effective_at, value_quantity, value_unit, value_unit_code, value_system)
      select gen_random_uuid(), $1, $2, 'final', 'vital-signs', '{"system":"http://loinc.org","code":"8867-4"}', '8867-4',
             timestamptz '2020-01-01T00:00:00Z' + n * interval '1 minute', 60 + (n % 40), '/min', '/min', 'http://unitsofmeasure.org'
        from generate_series(1, $3::int) n`, [patientId, organizationId, MAX_SERIES_POINTS + 7]));
    const { result, statements } = await countStatements([chart.clinical.orm], () => seriesOf('8867-4', {}, physician, patientId));
    expect(result).toHaveLength(MAX_SERIES_POINTS);
    expect(result[0].effectiveAt).toBe(new Date(Date.UTC(2020, 0, 1, 0, 8)).toISOString()); // points 1-7 are the oldest: left out
    expect(result[MAX_SERIES_POINTS - 1].effectiveAt).toBe(new Date(Date.UTC(2020, 0, 1) + (MAX_SERIES_POINTS + 7) * 60_000).toISOString());
    const times = result.map((p: any) => p.effectiveAt);
    expect(times).toEqual([...times].sort());
    expect(result[0].value).toBe(60 + (8 % 40));
    expect(statements.filter((sql) => /"observation"/.test(sql))).toHaveLength(1);
  });

  it('answers null for a patient the caller may not see, or an unknown one, and audits the read of a visible one', async () => {
    expect(await seriesOf('29463-7', {}, staff('physician', await insertOrganization(chart.db.url)))).toBeNull();
    expect(await seriesOf('29463-7', {}, staff('billing', organizationId))).toBeNull();
    expect(await seriesOf('29463-7', {}, physician, randomUUID())).toBeNull();
    expect(await seriesOf('29463-7', {}, patientUser(mainPatientId))).toHaveLength(16);
    const reader = staff('physician', organizationId);
    await seriesOf('39156-5', {}, reader);
    expect(await chart.auditRows({ patientId: mainPatientId, actorId: reader.userId })).toEqual([
      { action: 'read', outcome: 'success', record_types: ['Observation'], purpose: 'treatment', detail: { records: ofCode('39156-5').length } },
    ]);
  });

  it('refuses an empty code', async () => {
    const response = await graphql(SERIES, { id: mainPatientId, code: '' });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
  });
});
