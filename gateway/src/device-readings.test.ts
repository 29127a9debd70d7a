import type { Principal } from '@caregraph/platform';
import { bearer, startTestPlatform, tokenFor, type TestPlatform } from '../../test/support/platform';
import { insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql, type UserPrincipal } from '../../test/support/principals';
import { graphql, graphqlOk } from '../../test/support/services';
import { DEVICE_READINGS_MAX_BODY_BYTES, DEVICE_READINGS_PATH } from './device-readings';

jest.setTimeout(120_000);

type TokenPrincipal = Parameters<typeof tokenFor>[0];

/**
 * POST /devices/readings through a real gateway in front of the real subgraphs: authenticated like
 * /graphql, it runs recordDeviceReadings for the caller and answers plain JSON: 200 with the
 * result, `{ errors: [{ code, field, message }] }` with 400/401/403/404/413/415 otherwise.
 */
describe('gateway: POST /devices/readings', () => {
  let platform: TestPlatform;
  let organizationId: string;
  let physician: UserPrincipal;

  beforeAll(async () => {
    platform = await startTestPlatform('device_readings');
    organizationId = await insertOrganization(platform.db.url);
    physician = staff('physician', organizationId);
  });
  afterAll(async () => {
    await platform?.close();
  });

  const endpoint = () => new URL(DEVICE_READINGS_PATH, platform.gateway.baseUrl).toString();
  const post = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const postAs = async (principal: Principal, body: unknown) => post(body, await bearer(principal as TokenPrincipal));
  const rowsOf = async (patientId: string) =>
    Number((await withSql(platform.db.url, (q) => q(`select count(*) from clinical.observation where patient_id = $1`, [patientId])))[0].count);

  const loinc = (code: string) => ({ system: 'http://loinc.org', code });
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const weight = (readingId: string, value = 82.5) => ({ readingId, code: loinc('29463-7'), value, unit: 'kg', effectiveAt: minutesAgo(30) });
  const bloodPressure = (readingId: string, systolic = 128, diastolic = 82) => ({
    readingId, code: { ...loinc('85354-9'), display: 'Blood pressure panel with all children optional' }, effectiveAt: minutesAgo(20),
    components: [
      { code: { ...loinc('8480-6'), display: 'Systolic blood pressure' }, value: systolic, unit: 'mm[Hg]' },
      { code: { ...loinc('8462-4'), display: 'Diastolic blood pressure' }, value: diastolic, unit: 'mm[Hg]' },
    ],
  });
  const device = { identifier: 'CUFF-0099', type: { system: 'http://snomed.info/sct', code: '70665002' }, name: 'Home cuff' };

  it('stores the readings for the caller and answers 200 with the result', async () => {
    const patientId = await insertPatient(platform.db.url, [organizationId]);
    const response = await postAs(physician, { patientId, device, readings: [bloodPressure('r-1'), weight('r-2')] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      accepted: 2,
      duplicates: 0,
      observations: [
        { id: expect.any(String), effectiveAt: expect.any(String), code: loinc('85354-9'), device: { id: expect.any(String), readingId: 'r-1' } },
        { id: expect.any(String), effectiveAt: expect.any(String), code: loinc('29463-7'), device: { id: expect.any(String), readingId: 'r-2' } },
      ],
      alerts: [],
    });
    expect(await rowsOf(patientId)).toBe(2);
    // audited under the request id the gateway answered with, like any /graphql write
    const audit = await withSql(platform.db.url, (q) => q(`select action, outcome, service from audit.event where request_id = $1 and action = 'write'`, [response.headers.get('x-request-id')]));
    expect(audit).toEqual([{ action: 'write', outcome: 'success', service: 'clinical' }]);

    // a device retrying the same batch
    expect((await postAs(physician, { patientId, device, readings: [bloodPressure('r-1'), weight('r-2')] })).body).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(await rowsOf(patientId)).toBe(2);
  });

  it('answers with the alerts the readings raised', async () => {
    const patientId = await insertPatient(platform.db.url, [organizationId]);
    await graphqlOk(platform.gateway.url, `mutation ($input: SetMonitoringThresholdInput!) { setMonitoringThreshold(input: $input) { id } }`,
      { input: { patientId, code: '8480-6', unit: 'mm[Hg]', high: 140 } }, { headers: await bearer(physician) });
    const response = await postAs(patientUser(patientId), { patientId, device, readings: [bloodPressure('a-1', 162, 90)] });
    expect(response.status).toBe(200);
    expect(response.body.alerts).toEqual([{ id: expect.any(String), code: '8480-6', kind: 'HIGH', value: 162, unit: 'mm[Hg]', limit: 140, status: 'OPEN' }]);
  });

  it('takes a full batch of 500 blood pressures, more than /graphql takes in one body', async () => {
    const patientId = await insertPatient(platform.db.url, [organizationId]);
    const body = { patientId, device, readings: Array.from({ length: 500 }, (_, index) => bloodPressure(`b-${index}`, 110 + (index % 40), 70 + (index % 20))) };
    const size = Buffer.byteLength(JSON.stringify(body));
    expect(size).toBeGreaterThan(100 * 1024);
    expect(size).toBeLessThan(DEVICE_READINGS_MAX_BODY_BYTES);
    const response = await postAs(partnerApp(organizationId, ['system/Observation.c']), body);
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(500);
  });

  it('answers 401 without a valid bearer token, in the endpoint\'s error shape, and stores nothing', async () => {
    const patientId = await insertPatient(platform.db.url, [organizationId]);
    const body = { patientId, device, readings: [weight('u-1')] };
    const missing = await post(body);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(missing.body).toEqual({ errors: [{ code: 'UNAUTHENTICATED', field: null, message: expect.any(String) }] });
    const forged = await post(body, { authorization: 'Bearer not.a.token' });
    expect(forged.status).toBe(401);
    expect(forged.body.errors).toEqual([{ code: 'UNAUTHENTICATED', field: null, message: expect.any(String) }]);
    expect(await rowsOf(patientId)).toBe(0);
  });

  it('answers 400 with { errors: [{ code, field, message }] } naming the field of bad input, never the value, and stores nothing', async () => {
    const patientId = await insertPatient(platform.db.url, [organizationId]);
    const cases: [unknown[], string][] = [
      [[weight('v-1'), weight('v-2', -4.75)], 'readings[1].value'], // the service's checks
      [[weight('v-1'), { ...weight('v-2'), unit: 'k g' }], 'readings[1].unit'], // class-validator on the input
      [[{ ...weight('v-1'), effectiveAt: '2023-02-29T08:00:00Z' }], 'readings[0].effectiveAt'], // the DateTime scalar
      [[{ ...weight('v-1'), code: { system: 'http://example.org', code: '29463-7' } }], 'readings[0].code.system'],
    ];
    for (const [readings, field] of cases) {
      const response = await postAs(physician, { patientId, device, readings });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ code: 'BAD_USER_INPUT', field, message: expect.any(String) }] });
      expect(response.body.errors[0].message).not.toMatch(/4\.75|2023-02-29|k g/);
    }
    // several problems at once: one entry each
    const several = await postAs(physician, { patientId, device: { identifier: ' ' }, readings: [{ ...weight('v-1'), unit: 'k g' }] });
    expect(several.status).toBe(400);
    expect(several.body.errors.map((error: any) => [error.code, error.field]).sort()).toEqual([['BAD_USER_INPUT', 'device.identifier'], ['BAD_USER_INPUT', 'readings[0].unit']]);
    // a missing field, an unknown one
    expect((await postAs(physician, { device, readings: [weight('v-1')] })).body.errors).toEqual([{ code: 'BAD_USER_INPUT', field: 'patientId', message: expect.any(String) }]);
    expect((await postAs(physician, { patientId, device, readings: [weight('v-1')], extra: 1 })).body.errors).toEqual([{ code: 'BAD_USER_INPUT', field: 'extra', message: expect.any(String) }]);
    // an impossible date, which only the subgraph's scalar can refuse, reaches /graphql callers as bad input too
    const viaGraphql = await graphql(platform.gateway.url, `mutation ($input: RecordDeviceReadingsInput!) { recordDeviceReadings(input: $input) { accepted } }`,
      { input: { patientId, device, readings: [{ ...weight('v-1'), effectiveAt: '2023-02-29T08:00:00Z' }] } }, { headers: await bearer(physician) });
    expect(viaGraphql.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'readings[0].effectiveAt' });
    expect(await rowsOf(patientId)).toBe(0);
  });

  it('answers 400 for a body that is not one JSON object, 415 for another content type, 413 over the size limit', async () => {
    const headers = await bearer(physician);
    const notJson = await post('{"patientId": ', headers);
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors).toEqual([{ code: 'BAD_REQUEST', field: null, message: expect.any(String) }]);
    const list = await post([{ readingId: 'x' }], headers);
    expect(list.status).toBe(400);
    expect(list.body.errors).toEqual([{ code: 'BAD_USER_INPUT', field: null, message: expect.any(String) }]);

    const form = await fetch(endpoint(), { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'patientId=x' });
    expect(form.status).toBe(415);
    expect(await form.json()).toEqual({ errors: [{ code: 'UNSUPPORTED_MEDIA_TYPE', field: null, message: expect.any(String) }] });

    const huge = await post({ padding: 'x'.repeat(DEVICE_READINGS_MAX_BODY_BYTES) }, headers);
    expect(huge.status).toBe(413);
    expect(huge.body.errors).toEqual([{ code: 'PAYLOAD_TOO_LARGE', field: null, message: expect.any(String) }]);
  });

  it('answers 403 to a caller who may not send readings, 404 for a patient the caller may not write for', async () => {
    const patientId = await insertPatient(platform.db.url, [organizationId]);
    const body = { patientId, device, readings: [weight('f-1')] };
    for (const principal of [staff('billing', organizationId), partnerApp(organizationId, ['system/Observation.read'])]) {
      const response = await postAs(principal, body);
      expect(response.status).toBe(403);
      expect(response.body.errors).toEqual([{ code: 'FORBIDDEN', field: null, message: expect.any(String) }]);
    }
    for (const principal of [patientUser(await insertPatient(platform.db.url, [organizationId])), staff('nurse', await insertOrganization(platform.db.url))]) {
      const response = await postAs(principal, body);
      expect(response.status).toBe(404);
      expect(response.body.errors).toEqual([{ code: 'NOT_FOUND', field: 'patientId', message: 'Patient not found' }]);
    }
    expect(await rowsOf(patientId)).toBe(0);
  });
});
