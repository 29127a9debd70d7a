import { randomUUID } from 'node:crypto';
import { resourceId, type Principal } from '@caregraph/platform';
import { Client } from 'pg';
import { useChartServices } from '../../../../test/support/chart-services';
import { insertConsent, insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { captureStatements, type Statement } from '../../../../test/support/statements';
import { categoriesOfScopes, decidePatientAccess } from '../../../patients/src/access/access-policy';
import { READINGS_LOCK_CLASS } from './device-readings.service';
import { MONITORING_ALERT_TOPIC } from './monitoring-alert.events';

jest.setTimeout(120_000);

/**
 * Remote monitoring on the clinical subgraph, over HTTP with the gateway's assertion, against the
 * patients subgraph's access policy: what a batch of device readings stores, duplicates on
 * resend, bad input (named field, nothing written), who may send readings for whom; thresholds,
 * the alerts readings beyond them raise (with their events), the alert lists and acknowledgement.
 */
describe('remote monitoring', () => {
  let organizationId: string;
  let physician: UserPrincipal;
  const chart = useChartServices('monitoring', { fixtures: false, principal: () => physician });
  const { graphql, graphqlOk } = chart;

  beforeAll(async () => {
    organizationId = await insertOrganization(chart.db.url);
    physician = staff('physician', organizationId);
  });

  const sql = (text: string, params: unknown[] = []) => withSql(chart.db.url, (q) => q(text, params));
  const newPatient = () => insertPatient(chart.db.url, [organizationId]);
  const rowsOf = async (patientId: string) => Number((await sql(`select count(*) from clinical.observation where patient_id = $1`, [patientId]))[0].count);

  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();
  const loinc = (code: string) => ({ system: 'http://loinc.org', code });
  const bloodPressure = (systolic: number, diastolic: number, readingId: string = randomUUID()) => ({
    readingId, code: loinc('85354-9'), effectiveAt: hoursAgo(3),
    components: [{ code: loinc('8480-6'), value: systolic, unit: 'mm[Hg]' }, { code: loinc('8462-4'), value: diastolic, unit: 'mm[Hg]' }],
  });
  const glucose = (value: number, readingId: string = randomUUID()) => ({ readingId, code: loinc('2339-0'), value, unit: 'mg/dL', effectiveAt: hoursAgo(2) });
  const weight = (value: number, readingId: string = randomUUID()) => ({ readingId, code: loinc('29463-7'), value, unit: 'kg', effectiveAt: hoursAgo(1) });

  const ALERT_FIELDS = 'id code value unit kind limit status createdAt acknowledgedBy acknowledgedAt organization { id } patient { id } observation { id } threshold { id }';
  const RECORD = `mutation ($input: RecordDeviceReadingsInput!) { recordDeviceReadings(input: $input) {
    accepted duplicates
    observations { id status category code { system code } effectiveAt valueQuantity { value unit unitCode system }
      components { code { code } valueQuantity { value unit } } organization { id } deviceId deviceName
      device { id identifier type { system code display } name readingId } }
    alerts { ${ALERT_FIELDS} }
  } }`;
  const cuff = { identifier: 'BPM-SN-0042', type: { system: 'http://snomed.info/sct', code: '70665002', display: 'Blood pressure cuff' }, name: 'Home cuff' };
  const record = (patientId: string, readings: unknown[], principal: Principal = physician, device: unknown = cuff) =>
    graphql(RECORD, { input: { patientId, device, readings } }, principal);
  const recordOk = async (patientId: string, readings: unknown[], principal: Principal = physician, device: unknown = cuff) =>
    (await graphqlOk(RECORD, { input: { patientId, device, readings } }, principal)).recordDeviceReadings;

  const SET = `mutation ($input: SetMonitoringThresholdInput!) { setMonitoringThreshold(input: $input) { id code low high unit setBy setAt organization { id } patient { id } } }`;
  const setThreshold = async (patientId: string, code: string, limits: { low?: number; high?: number }, unit: string, principal: Principal = physician) =>
    (await graphqlOk(SET, { input: { patientId, code, unit, ...limits } }, principal)).setMonitoringThreshold;
  const eventsOf = (patientId: string) => sql(`select topic, key, payload, producer from events.event where topic = $1 and key = $2 order by id`, [MONITORING_ALERT_TOPIC, patientId]);

  describe('device readings', () => {
    describe('a batch', () => {
      it('stores blood pressure (with components), glucose and weight as final observations with their device, for the caller\'s organization', async () => {
        const patientId = await newPatient();
        const result = await recordOk(patientId, [bloodPressure(128, 82, 'r-1'), glucose(104, 'r-2'), weight(81.4, 'r-3')]);
        expect(result).toMatchObject({ accepted: 3, duplicates: 0, alerts: [] });
        const device = { id: resourceId('Device', cuff.identifier), identifier: cuff.identifier, type: cuff.type, name: cuff.name };
        expect(result.observations).toEqual([
          expect.objectContaining({
            status: 'FINAL', category: 'VITAL_SIGNS', code: loinc('85354-9'), valueQuantity: null,
            components: [{ code: { code: '8480-6' }, valueQuantity: { value: 128, unit: 'mm[Hg]' } }, { code: { code: '8462-4' }, valueQuantity: { value: 82, unit: 'mm[Hg]' } }],
            organization: { id: organizationId }, device: { ...device, readingId: 'r-1' },
          }),
          expect.objectContaining({
            status: 'FINAL', category: 'LABORATORY', code: loinc('2339-0'), components: [],
            valueQuantity: { value: 104, unit: 'mg/dL', unitCode: 'mg/dL', system: 'http://unitsofmeasure.org' }, device: { ...device, readingId: 'r-2' },
          }),
          expect.objectContaining({ category: 'VITAL_SIGNS', valueQuantity: expect.objectContaining({ value: 81.4, unit: 'kg' }), device: { ...device, readingId: 'r-3' } }),
        ]);
        // the deprecated top-level fields say the same
        expect(result.observations[0]).toMatchObject({ deviceId: device.id, deviceName: cuff.name });

        // on the chart like any other observation, newest first
        const { observations } = await chart.patientFields(patientId, 'observations(first: 10) { edges { node { id device { readingId } } } }');
        expect(observations.edges.map((edge: any) => edge.node.device.readingId)).toEqual(['r-3', 'r-2', 'r-1']);
        const rows = await sql(`select organization_id, device_identifier, device_reading_id, device_type, issued_at is not null as issued from clinical.observation where patient_id = $1 order by device_reading_id`, [patientId]);
        expect(rows).toEqual(['r-1', 'r-2', 'r-3'].map((readingId) => ({
          organization_id: organizationId, device_identifier: cuff.identifier, device_reading_id: readingId, device_type: cuff.type, issued: true,
        })));
      });

      it('leaves device null on observations that did not come from a device', async () => {
        const patientId = await newPatient();
        const entered = await graphqlOk(`mutation ($input: RecordObservationsInput!) { recordObservations(input: $input) { device { id } deviceId } }`,
          { input: { patientId, observations: [{ code: loinc('29463-7'), value: 80, unit: 'kg', effectiveAt: hoursAgo(1) }] } });
        expect(entered.recordObservations).toEqual([{ device: null, deviceId: null }]);
      });

      it("audits the batch as one 'write' row, in the same transaction", async () => {
        const patientId = await newPatient();
        const writer = staff('nurse', organizationId);
        await recordOk(patientId, [glucose(104, 'a-1'), weight(81.4, 'a-2')], writer);
        expect(await chart.auditRows({ patientId, actorId: writer.userId, action: 'write' })).toEqual([
          expect.objectContaining({ outcome: 'success', record_types: ['Observation'], detail: { operation: 'device-readings', records: 2, duplicates: 0, alerts: 0 } }),
        ]);
      });
    });

    describe('duplicates', () => {
      it('counts a resent reading (same device identifier and readingId) as a duplicate and stores it once', async () => {
        const patientId = await newPatient();
        const batch = [bloodPressure(128, 82, 'd-1'), glucose(104, 'd-2'), weight(81.4, 'd-3')];
        await recordOk(patientId, batch);
        const resent = await recordOk(patientId, batch);
        expect(resent).toEqual({ accepted: 0, duplicates: 3, observations: [], alerts: [] });
        // a retry that carries one new reading stores only that one
        const mixed = await recordOk(patientId, [...batch.slice(1), weight(82, 'd-4')]);
        expect(mixed).toMatchObject({ accepted: 1, duplicates: 2, observations: [{ device: expect.objectContaining({ readingId: 'd-4' }) }] });
        // the same reading twice in one batch is stored once
        expect(await recordOk(patientId, [weight(81.4, 'd-5'), weight(81.4, 'd-5')])).toMatchObject({ accepted: 1, duplicates: 1 });
        expect(await rowsOf(patientId)).toBe(5);
      });

      it('tells readings apart by device: the same readingId from another device is a new reading', async () => {
        const patientId = await newPatient();
        await recordOk(patientId, [weight(81.4, 'same')]);
        expect(await recordOk(patientId, [weight(81.4, 'same')], physician, { identifier: 'SCALE-7' })).toMatchObject({ accepted: 1, duplicates: 0 });
        expect(await rowsOf(patientId)).toBe(2);
      });

      it("stores a patient's batches one at a time, so a resend racing its original finds it stored", async () => {
        const patientId = await newPatient();
        const batch = Array.from({ length: 50 }, (_, index) => weight(70 + index / 10, `c-${index}`));
        // another writer of this patient's readings is in the middle of its transaction
        const other = new Client({ connectionString: chart.db.url });
        await other.connect();
        await other.query('begin');
        await other.query('select pg_advisory_xact_lock($1, hashtext($2))', [READINGS_LOCK_CLASS, patientId]);
        const sends = Promise.allSettled([recordOk(patientId, batch), recordOk(patientId, batch)]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await rowsOf(patientId)).toBe(0); // both wait
        // another patient's readings do not
        expect(await recordOk(await newPatient(), [weight(81.4, 'c-0')])).toMatchObject({ accepted: 1 });
        await other.query('commit');
        await other.end();
        const results = (await sends).map((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.accepted, outcome.value.duplicates] : outcome.reason));
        expect(results.sort()).toEqual([[0, 50], [50, 0]]);
        expect(await rowsOf(patientId)).toBe(50);
      });
    });

    describe('bad input: BAD_USER_INPUT naming the field, never the value, and nothing written', () => {
      const future = new Date(Date.now() + 3 * 24 * 3600_000).toISOString();
      const cases: [string, unknown, string][] = [
        ['a negative weight', weight(-3.25), 'readings[1].value'],
        ['a weight beyond what is physically possible', weight(812.37), 'readings[1].value'],
        ['a weight in pounds (a unit other than the code\'s: rejected, not converted)', { ...weight(179.5), unit: '[lb_av]' }, 'readings[1].unit'],
        ['a unit that is not a UCUM code', { ...weight(81.4), unit: 'kilo grams' }, 'readings[1].unit'],
        ['an unknown code system', { ...weight(81.4), code: { system: 'http://example.org/codes', code: '29463-7' } }, 'readings[1].code.system'],
        ['a code without a system', { ...weight(81.4), code: { code: '29463-7' } }, 'readings[1].code.system'],
        ['a LOINC code with a wrong check digit', { ...weight(81.4), code: loinc('29463-8') }, 'readings[1].code.code'],
        ['a LOINC code remote monitoring does not take', { ...weight(81.4), code: loinc('72514-3') }, 'readings[1].code.code'],
        ['a reading in the future', { ...weight(81.4), effectiveAt: future }, 'readings[1].effectiveAt'],
        ['an impossible date', { ...weight(81.4), effectiveAt: '2024-02-30T10:00:00Z' }, 'readings[1].effectiveAt'],
        ['a date before 1900', { ...weight(81.4), effectiveAt: '1850-06-01T10:00:00Z' }, 'readings[1].effectiveAt'],
        ['a time without a time zone', { ...weight(81.4), effectiveAt: '2024-01-01T10:00:00' }, 'readings[1].effectiveAt'],
        ['a glucose without a value', { ...glucose(104), value: null }, 'readings[1].value'],
        ['a systolic pressure beyond what is possible', bloodPressure(351.5, 82), 'readings[1].components[0].value'],
        ['a diastolic pressure above the systolic', bloodPressure(120, 130), 'readings[1].components[1].value'],
        ['a blood pressure without its diastolic', { ...bloodPressure(128, 82), components: bloodPressure(128, 82).components.slice(0, 1) }, 'readings[1].components'],
        ['a blank readingId', { ...weight(81.4), readingId: ' ' }, 'readings[1].readingId'],
      ];
      it.each(cases)('%s', async (_label, bad, field) => {
        const patientId = await newPatient();
        const response = await record(patientId, [glucose(104, 'ok-1'), bad, weight(81.4, 'ok-2')]);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(response.errors?.[0].message).not.toMatch(/812\.37|3\.25|179\.5|351\.5|2024-02-30|1850/);
        expect(await rowsOf(patientId)).toBe(0);
      });

      it('refuses an empty batch, more than 500 readings, and a blank device identifier', async () => {
        const patientId = await newPatient();
        expect((await record(patientId, [])).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'readings' });
        const tooMany = Array.from({ length: 501 }, (_, index) => weight(81.4, `m-${index}`));
        expect((await record(patientId, tooMany)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'readings' });
        expect((await record(patientId, [weight(81.4, 'b-1')], physician, { identifier: '' })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'device.identifier' });
        expect(await rowsOf(patientId)).toBe(0);
        // 500 is fine
        expect(await recordOk(patientId, tooMany.slice(0, 500))).toMatchObject({ accepted: 500 });
      });
    });

    describe('who may send readings', () => {
      it('lets the patient send their own readings; with no organization monitoring them, they have none', async () => {
        const patientId = await newPatient();
        const result = await recordOk(patientId, [weight(81.4, 'p-1')], patientUser(patientId));
        expect(result.observations[0].organization).toBeNull();
        expect((await sql(`select organization_id from clinical.observation where patient_id = $1`, [patientId]))[0].organization_id).toBeNull();
      });

      it("answers a patient sending for someone else, and a clinician of an organization that cannot see the chart, with NOT_FOUND on patientId", async () => {
        const patientId = await newPatient();
        const elsewhere = await insertOrganization(chart.db.url);
        for (const principal of [patientUser(await newPatient()), staff('physician', elsewhere)]) {
          expect((await record(patientId, [weight(81.4, 'n-1')], principal)).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        }
        expect(await rowsOf(patientId)).toBe(0);
        // a consent opens it to that organization's clinicians, for their organization
        await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
        expect((await recordOk(patientId, [weight(81.4, 'n-1')], staff('nurse', elsewhere))).observations[0].organization).toEqual({ id: elsewhere });
      });

      it('refuses billing staff, organization admins and compliance officers with FORBIDDEN', async () => {
        const patientId = await newPatient();
        for (const role of ['billing', 'org_admin', 'compliance'] as const) {
          expect((await record(patientId, [weight(81.4, 'f-1')], staff(role, organizationId))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
        }
        expect(await rowsOf(patientId)).toBe(0);
      });

      it("lets a partner app with an Observation create scope send readings for its organization's patients, without reading their chart", async () => {
        const patientId = await newPatient();
        const hub = partnerApp(organizationId, ['system/Observation.c']);
        expect((await recordOk(patientId, [weight(81.4, 'h-1')], hub)).observations[0].organization).toEqual({ id: organizationId });
        for (const scopes of [['system/Observation.write'], ['system/Observation.cruds'], ['system/*.*']]) {
          expect(await recordOk(patientId, [weight(81.4, `h-${scopes[0]}`)], partnerApp(organizationId, scopes))).toMatchObject({ accepted: 1 });
        }
        // a create-only scope reads nothing
        expect((await chart.patientFields(patientId, 'observations(first: 5) { edges { node { id } } }', hub)).observations).toBeNull();
        // another organization's patient is not its to write for
        const elsewhere = await insertPatient(chart.db.url, [await insertOrganization(chart.db.url)]);
        expect((await record(elsewhere, [weight(81.4, 'h-2')], hub)).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(elsewhere)).toBe(0);
      });

      it('refuses a partner app without an Observation create scope with FORBIDDEN', async () => {
        const patientId = await newPatient();
        for (const scopes of [['system/Observation.read'], ['system/Observation.rs'], ['system/Claim.write'], ['patient/*.read'], []]) {
          expect((await record(patientId, [weight(81.4, 's-1')], partnerApp(organizationId, scopes))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
        }
        expect(await rowsOf(patientId)).toBe(0);
      });
    });

    describe('the access policy for partner apps that write', () => {
      it('maps write scopes to the categories written into, and never to reads', () => {
        expect([...categoriesOfScopes(['system/Observation.c'], 'write')]).toEqual(['clinical']);
        expect([...categoriesOfScopes(['system/Observation.write', 'system/Claim.u'], 'write')].sort()).toEqual(['billing', 'clinical']);
        expect([...categoriesOfScopes(['system/Observation.rs'], 'write')]).toEqual([]);
        expect([...categoriesOfScopes(['system/Observation.c', 'system/Observation.write'])]).toEqual([]);
      });

      it("opens a write-only app's organization's patients for writing only, registered or consenting", async () => {
        const em = chart.patients.orm.em.fork();
        const registered = await newPatient();
        const consenting = await insertPatient(chart.db.url, [await insertOrganization(chart.db.url)]);
        await insertConsent(chart.db.url, consenting, organizationId, 'clinical');
        const elsewhere = await insertPatient(chart.db.url, [await insertOrganization(chart.db.url)]);
        const hub = partnerApp(organizationId, ['system/Observation.c']);
        const ids = [registered, consenting, elsewhere, randomUUID()];
        const write = await decidePatientAccess(em, hub, ids, 'clinical', new Date(), 'write');
        expect(ids.map((id) => write.get(id)?.basis ?? null)).toEqual(['registration', 'consent', null, null]);
        for (const category of ['clinical', 'demographics', 'billing'] as const) {
          expect([...(await decidePatientAccess(em, hub, ids, category)).values()].some((decision) => decision.allowed)).toBe(false);
        }
        expect([...(await decidePatientAccess(em, hub, ids, 'billing', new Date(), 'write')).values()].some((decision) => decision.allowed)).toBe(false);
      });
    });
  });

  describe('thresholds and alerts', () => {
    describe('setMonitoringThreshold', () => {
      it('sets limits for the caller\'s organization, and setting them again replaces them (one per patient, code and organization)', async () => {
        const patientId = await newPatient();
        const first = await setThreshold(patientId, '29463-7', { low: 50, high: 100 }, 'kg');
        expect(first).toMatchObject({ code: '29463-7', low: 50, high: 100, unit: 'kg', setBy: physician.userId, organization: { id: organizationId }, patient: { id: patientId } });
        const nurse = staff('nurse', organizationId);
        const second = await setThreshold(patientId, '29463-7', { high: 95 }, 'kg', nurse);
        expect(second).toMatchObject({ id: first.id, low: null, high: 95, setBy: nurse.userId });
        // another organization (by consent) keeps its own
        const elsewhere = await insertOrganization(chart.db.url);
        await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
        const theirs = await setThreshold(patientId, '29463-7', { high: 120 }, 'kg', staff('physician', elsewhere));
        expect(theirs.id).not.toBe(first.id);

        expect((await chart.patientFields(patientId, 'monitoringThresholds { id high organization { id } }')).monitoringThresholds).toEqual([
          { id: theirs.id, high: 120, organization: { id: elsewhere } },
          { id: first.id, high: 95, organization: { id: organizationId } },
        ]);
        const audit = await sql(`select detail from audit.event where patient_id = $1 and action = 'write' and record_types = '{MonitoringThreshold}' order by occurred_at`, [patientId]);
        expect(audit.map((row) => row.detail)).toEqual([first.id, first.id, theirs.id].map((thresholdId) => ({ operation: 'set', thresholdId })));
      });

      const cases: [string, Record<string, unknown>, string][] = [
        ['a code that is not a known measurement', { code: '72514-3', unit: '{score}', high: 5 }, 'code'],
        ['a blood pressure panel (thresholds watch its components)', { code: '85354-9', unit: 'mm[Hg]', high: 140 }, 'code'],
        ['a unit other than the code\'s (no conversion)', { code: '29463-7', unit: '[lb_av]', high: 220 }, 'unit'],
        ['no limit at all', { code: '29463-7', unit: 'kg' }, 'high'],
        ['low above high', { code: '29463-7', unit: 'kg', low: 90, high: 80 }, 'high'],
        ['a limit beyond what is physically possible', { code: '8480-6', unit: 'mm[Hg]', high: 412.5 }, 'high'],
        ['a negative low', { code: '29463-7', unit: 'kg', low: -4 }, 'low'],
      ];
      it.each(cases)('refuses %s with BAD_USER_INPUT naming the field, storing nothing', async (_label, input, field) => {
        const patientId = await newPatient();
        const response = await graphql(SET, { input: { patientId, ...input } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(response.errors?.[0].message).not.toMatch(/412\.5|220/);
        expect(await sql(`select id from clinical.monitoring_threshold where patient_id = $1`, [patientId])).toEqual([]);
      });

      it('is for physicians and nurses of an organization that may see the chart', async () => {
        const patientId = await newPatient();
        const input = { patientId, code: '29463-7', unit: 'kg', high: 100 };
        for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), patientUser(patientId)]) {
          expect((await graphql(SET, { input }, principal)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
        }
        const unrelated = staff('physician', await insertOrganization(chart.db.url));
        expect((await graphql(SET, { input }, unrelated)).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await sql(`select id from clinical.monitoring_threshold where patient_id = $1`, [patientId])).toEqual([]);
      });
    });

    describe('alerts', () => {
      it('raises a HIGH alert, stored and published as an event, for a reading above a threshold', async () => {
        const patientId = await newPatient();
        const threshold = await setThreshold(patientId, '29463-7', { low: 50, high: 100 }, 'kg');
        const result = await recordOk(patientId, [weight(104.6)]);
        expect(result.alerts).toEqual([{
          id: expect.any(String), code: '29463-7', value: 104.6, unit: 'kg', kind: 'HIGH', limit: 100, status: 'OPEN', createdAt: expect.any(String),
          acknowledgedBy: null, acknowledgedAt: null, organization: { id: organizationId }, patient: { id: patientId },
          observation: { id: result.observations[0].id }, threshold: { id: threshold.id },
        }]);
        expect(await eventsOf(patientId)).toEqual([{
          topic: MONITORING_ALERT_TOPIC, key: patientId, producer: 'clinical',
          // who, which code, which way: no value
          payload: { alertId: result.alerts[0].id, patientId, organizationId, code: '29463-7', kind: 'HIGH' },
        }]);
        expect((await sql(`select detail from audit.event where patient_id = $1 and action = 'write' and record_types = '{Observation}'`, [patientId]))[0].detail)
          .toEqual({ operation: 'device-readings', records: 1, duplicates: 0, alerts: 1 });
      });

      it("answers a write-only partner app without the alerts (chart data), yet raises and publishes them", async () => {
        const patientId = await newPatient();
        await setThreshold(patientId, '29463-7', { high: 100 }, 'kg');
        const hub = await recordOk(patientId, [weight(120)], partnerApp(organizationId, ['system/Observation.c']));
        expect(hub).toMatchObject({ accepted: 1, alerts: [] });
        expect(await sql(`select observation_id from clinical.monitoring_alert where patient_id = $1`, [patientId])).toEqual([{ observation_id: hub.observations[0].id }]);
        expect(await eventsOf(patientId)).toHaveLength(1);
        // an app that may also read the chart gets them
        expect((await recordOk(patientId, [weight(121)], partnerApp(organizationId, ['system/Observation.cruds']))).alerts).toMatchObject([{ kind: 'HIGH', value: 121 }]);
      });

      it('raises none for readings within the limits, on a limit, or of another code', async () => {
        const patientId = await newPatient();
        await setThreshold(patientId, '29463-7', { low: 50, high: 100 }, 'kg');
        const result = await recordOk(patientId, [weight(80), weight(100), weight(50), glucose(400)]);
        expect(result).toMatchObject({ accepted: 4, alerts: [] });
        expect(await eventsOf(patientId)).toEqual([]);
        expect(await sql(`select id from clinical.monitoring_alert where patient_id = $1`, [patientId])).toEqual([]);
      });

      it('raises a LOW alert below the low limit', async () => {
        const patientId = await newPatient();
        await setThreshold(patientId, '2339-0', { low: 70 }, 'mg/dL');
        expect((await recordOk(patientId, [glucose(54)])).alerts).toMatchObject([{ code: '2339-0', kind: 'LOW', value: 54, limit: 70 }]);
      });

      it("checks blood pressure components against their own thresholds (systolic, diastolic)", async () => {
        const patientId = await newPatient();
        await setThreshold(patientId, '8480-6', { high: 140 }, 'mm[Hg]');
        await setThreshold(patientId, '8462-4', { low: 60, high: 90 }, 'mm[Hg]');
        const high = await recordOk(patientId, [bloodPressure(152, 84)]);
        expect(high.alerts).toMatchObject([{ code: '8480-6', kind: 'HIGH', value: 152, limit: 140, unit: 'mm[Hg]', observation: { id: high.observations[0].id } }]);
        const both = await recordOk(patientId, [bloodPressure(145, 55)]);
        expect(both.alerts.map((alert: any) => [alert.code, alert.kind]).sort()).toEqual([['8462-4', 'LOW'], ['8480-6', 'HIGH']]);
        expect((await recordOk(patientId, [bloodPressure(120, 80)])).alerts).toEqual([]);
        expect((await eventsOf(patientId)).map((event) => event.payload.code).sort()).toEqual(['8462-4', '8480-6', '8480-6']);
      });

      it("raises one alert per organization whose threshold a reading crosses, each for that organization", async () => {
        const patientId = await newPatient();
        const elsewhere = await insertOrganization(chart.db.url);
        await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
        await setThreshold(patientId, '29463-7', { high: 100 }, 'kg');
        await setThreshold(patientId, '29463-7', { high: 110 }, 'kg', staff('nurse', elsewhere));
        expect((await recordOk(patientId, [weight(105)])).alerts.map((alert: any) => alert.organization.id)).toEqual([organizationId]);
        expect((await recordOk(patientId, [weight(115)])).alerts.map((alert: any) => alert.organization.id).sort()).toEqual([organizationId, elsewhere].sort());
      });

      it("files a patient's own readings under the organization that set their thresholds last", async () => {
        const patientId = await newPatient();
        const elsewhere = await insertOrganization(chart.db.url);
        await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
        await setThreshold(patientId, '29463-7', { high: 100 }, 'kg');
        expect((await recordOk(patientId, [weight(90)], patientUser(patientId))).observations[0].organization).toEqual({ id: organizationId });
        await setThreshold(patientId, '2339-0', { high: 180 }, 'mg/dL', staff('physician', elsewhere));
        const own = await recordOk(patientId, [weight(120)], patientUser(patientId));
        expect(own.observations[0].organization).toEqual({ id: elsewhere });
        // the alert still goes to the organization whose threshold it crossed
        expect(own.alerts.map((alert: any) => alert.organization.id)).toEqual([organizationId]);
      });

      it('keeps an alert readable when its threshold is removed; the removed threshold raises no more', async () => {
        const patientId = await newPatient();
        const threshold = await setThreshold(patientId, '29463-7', { high: 100 }, 'kg');
        const [alert] = (await recordOk(patientId, [weight(130)])).alerts;
        const REMOVE = `mutation ($id: ID!) { removeMonitoringThreshold(id: $id) { id high } }`;
        // only the organization that set it may remove it
        const elsewhere = await insertOrganization(chart.db.url);
        await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
        expect((await graphql(REMOVE, { id: threshold.id }, staff('physician', elsewhere))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'id' });
        for (const id of [randomUUID(), 'not-a-uuid']) {
          expect((await graphql(REMOVE, { id })).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
        }
        expect((await graphqlOk(REMOVE, { id: threshold.id })).removeMonitoringThreshold).toEqual({ id: threshold.id, high: 100 });

        const after = await chart.patientFields(patientId, 'monitoringThresholds { id } monitoringAlerts(first: 10) { edges { node { id value limit threshold { id } } } }');
        expect(after.monitoringThresholds).toEqual([]);
        expect(after.monitoringAlerts.edges).toEqual([{ node: { id: alert.id, value: 130, limit: 100, threshold: null } }]);
        expect((await recordOk(patientId, [weight(140)])).alerts).toEqual([]);
      });
    });

    describe('alert lists and acknowledgement', () => {
      let patientId: string;
      let otherPatientId: string;
      let elsewhere: string;
      /** Alert ids of patientId, newest first. */
      let alertIds: string[];

      const PATIENT_ALERTS = `query ($id: ID!, $status: MonitoringAlertStatus, $first: Int, $after: String) {
        _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
          monitoringAlerts(status: $status, first: $first, after: $after) { totalCount edges { node { id status } } pageInfo { hasNextPage endCursor } } } } }`;
      const ORGANIZATION_ALERTS = `query ($status: MonitoringAlertStatus, $first: Int, $after: String) {
        monitoringAlerts(status: $status, first: $first, after: $after) { totalCount edges { node { id status patient { id } } } pageInfo { hasNextPage endCursor } } }`;
      const ACKNOWLEDGE = `mutation ($id: ID!) { acknowledgeMonitoringAlert(id: $id) { id status acknowledgedBy acknowledgedAt } }`;

      /** Every page of a list, following endCursor. */
      async function allPages(read: (after: string | null) => Promise<any>): Promise<string[]> {
        const ids: string[] = [];
        let after: string | null = null;
        do {
          const page: any = await read(after);
          ids.push(...page.edges.map((edge: any) => edge.node.id));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
        return ids;
      }
      const patientAlerts = (id: string, args: Record<string, unknown> = {}, principal: Principal = physician) =>
        allPages(async (after) => (await graphqlOk(PATIENT_ALERTS, { id, first: 2, after, ...args }, principal))._entities[0].monitoringAlerts);
      const organizationAlerts = (args: Record<string, unknown> = {}, principal: Principal = physician) =>
        allPages(async (after) => (await graphqlOk(ORGANIZATION_ALERTS, { first: 2, after, ...args }, principal)).monitoringAlerts);

      /** The organization's alerts as the table has them, newest first. */
      const organizationAlertRows = async (organization: string, status: string | null) => (await sql(
        `select id from clinical.monitoring_alert where organization_id = $1 and ($2::text is null or status = $2) order by created_at desc, id`,
        [organization, status])).map((row) => row.id);

      beforeAll(async () => {
        patientId = await newPatient();
        otherPatientId = await newPatient();
        elsewhere = await insertOrganization(chart.db.url);
        await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
        for (const id of [patientId, otherPatientId]) await setThreshold(id, '29463-7', { high: 100 }, 'kg');
        await setThreshold(patientId, '29463-7', { high: 100 }, 'kg', staff('physician', elsewhere));
        alertIds = [];
        for (const value of [101, 102, 103, 104, 105]) {
          const { alerts } = await recordOk(patientId, [weight(value)]);
          alertIds.unshift(alerts.find((alert: any) => alert.organization.id === organizationId).id);
        }
        await recordOk(otherPatientId, [weight(150)]);
      });

      it("lists a patient's alerts from every organization, newest first, page by page", async () => {
        const ids = await patientAlerts(patientId);
        expect(ids).toHaveLength(10);
        const rows = await sql(`select id from clinical.monitoring_alert where patient_id = $1 order by created_at desc, id`, [patientId]);
        expect(ids).toEqual(rows.map((row) => row.id));
        expect((await graphqlOk(PATIENT_ALERTS, { id: patientId, first: 1 }))._entities[0].monitoringAlerts.totalCount).toBe(10);
        // null for a caller who may not see the chart
        const unrelated = staff('physician', await insertOrganization(chart.db.url));
        expect((await graphqlOk(PATIENT_ALERTS, { id: patientId, first: 1 }, unrelated))._entities[0].monitoringAlerts).toBeNull();
      });

      it("lists the caller's organization's alerts only (thresholds it set), newest first, page by page", async () => {
        const ids = await organizationAlerts({ status: 'OPEN' });
        const otherAlert = (await sql(`select id from clinical.monitoring_alert where patient_id = $1`, [otherPatientId]))[0].id;
        expect(ids.slice(0, 6)).toEqual([otherAlert, ...alertIds]);
        expect(ids).toEqual(await organizationAlertRows(organizationId, 'open'));
        expect(await organizationAlerts({ status: 'OPEN' }, staff('nurse', elsewhere))).toHaveLength(5);
        for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), patientUser(patientId)]) {
          expect((await graphql(ORGANIZATION_ALERTS, { first: 5 }, principal)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
        }
      });

      it('acknowledges an alert once: CONFLICT after, saying who and when, with no values', async () => {
        const [newest] = alertIds;
        const nurse = staff('nurse', organizationId);
        const acknowledged = (await graphqlOk(ACKNOWLEDGE, { id: newest }, nurse)).acknowledgeMonitoringAlert;
        expect(acknowledged).toEqual({ id: newest, status: 'ACKNOWLEDGED', acknowledgedBy: nurse.userId, acknowledgedAt: expect.any(String) });
        const again = await graphql(ACKNOWLEDGE, { id: newest });
        expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'id', acknowledgedBy: nurse.userId, acknowledgedAt: acknowledged.acknowledgedAt });
        expect(again.errors?.[0].message).toContain(nurse.userId);
        expect(again.errors?.[0].message).toContain(acknowledged.acknowledgedAt);
        // the reading's value, unit and code stay out; the random user id and time are taken out first so they cannot collide
        const messageWithoutWhoAndWhen = again.errors![0].message.replace(nurse.userId, '').replace(acknowledged.acknowledgedAt, '');
        expect(messageWithoutWhoAndWhen).not.toMatch(/105|kg|29463-7/);

        // the status filters
        expect(await organizationAlerts({ status: 'ACKNOWLEDGED' })).toEqual([newest]);
        expect(await organizationAlerts({ status: 'OPEN' })).toEqual((await organizationAlertRows(organizationId, 'open')).filter((id) => id !== newest));
        expect(await organizationAlerts({ status: null })).toEqual(await organizationAlertRows(organizationId, null));
        expect(await patientAlerts(patientId, { status: 'ACKNOWLEDGED' })).toEqual([newest]);
        expect(await patientAlerts(patientId, { status: 'OPEN' })).toHaveLength(9);
        const audit = await sql(`select detail from audit.event where actor_id = $1 and action = 'write'`, [nurse.userId]);
        expect(audit).toEqual([{ detail: { operation: 'acknowledge', alertId: newest } }]);
      });

      it('acknowledges one of two at once, and answers the other CONFLICT', async () => {
        const id = alertIds[1];
        const responses = await Promise.all([graphql(ACKNOWLEDGE, { id }), graphql(ACKNOWLEDGE, { id }, staff('nurse', organizationId))]);
        expect(responses.map((response) => response.errors?.[0].extensions?.code ?? 'OK').sort()).toEqual(['CONFLICT', 'OK']);
      });

      it("lets only the alert's organization acknowledge it; hidden and unknown alerts are NOT_FOUND", async () => {
        const id = alertIds[2];
        expect((await graphql(ACKNOWLEDGE, { id }, staff('physician', elsewhere))).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'id' });
        const unrelated = staff('physician', await insertOrganization(chart.db.url));
        for (const [alertId, principal] of [[id, unrelated], [randomUUID(), physician]] as const) {
          expect((await graphql(ACKNOWLEDGE, { id: alertId }, principal)).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
        }
        expect((await graphql(ACKNOWLEDGE, { id }, staff('billing', organizationId))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
        expect((await sql(`select status from clinical.monitoring_alert where id = $1`, [id]))[0].status).toBe('open');
      });

      it("leaves out of the organization's list the alerts of a patient it may no longer see", async () => {
        const nurse = staff('nurse', elsewhere);
        expect(await organizationAlerts({ status: null }, nurse)).toHaveLength(5);
        await sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where patient_id = $1 and organization_id = $2`, [patientId, elsewhere]);
        expect(await organizationAlerts({ status: null }, nurse)).toEqual([]);
      });

      it('serves both lists, with and without the status filter, from an index (no scan, no sort)', async () => {
        const plans: any[][] = [];
        for (const status of [null, 'OPEN']) {
          plans.push(...await plansOf(() => graphqlOk(PATIENT_ALERTS, { id: patientId, first: 3, status })));
          plans.push(...await plansOf(() => graphqlOk(ORGANIZATION_ALERTS, { first: 3, status })));
        }
        for (const nodes of plans) {
          expect(nodes.filter((node) => ['Seq Scan', 'Sort', 'Incremental Sort'].includes(node['Node Type']))).toEqual([]);
          expect(nodes.some((node) => String(node['Index Name']).startsWith('monitoring_alert_'))).toBe(true);
        }
      });
    });

    /** The plans of the monitoring_alert statements `work` sends, with table scans and sorts priced out. */
    async function plansOf(work: () => Promise<unknown>): Promise<any[][]> {
      const { statements } = await captureStatements([chart.clinical.orm], work);
      const reads = statements.filter((statement) => /from "clinical"\."monitoring_alert"/.test(statement.sql) && / limit /i.test(statement.sql));
      expect(reads.length).toBeGreaterThan(0);
      const client = new Client({ connectionString: chart.db.url });
      await client.connect();
      try {
        const plans: any[][] = [];
        for (const statement of reads) plans.push(await explain(client, statement));
        return plans;
      } finally {
        await client.end();
      }
    }

    async function explain(client: Client, statement: Statement): Promise<any[]> {
      let n = 0;
      const text = statement.sql.replace(/\?(?!\?)/g, () => `$${++n}`);
      await client.query('begin');
      try {
        await client.query('set local enable_seqscan = off');
        await client.query('set local enable_sort = off');
        const { rows } = await client.query(`explain (format json) ${text}`, statement.params as unknown[]);
        const nodes = (plan: any): any[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];
        return nodes(rows[0]['QUERY PLAN'][0].Plan);
      } finally {
        await client.query('rollback');
      }
    }
  });
});
