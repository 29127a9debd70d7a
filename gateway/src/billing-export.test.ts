import { adjudication, daysBefore, insertClaims, insertPayer } from '../../test/support/billing-claims';
import { recordsOf } from '../../test/support/csv';
import { bearer, startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from '../../test/support/principals';
import { graphql, graphqlOk } from '../../test/support/services';
import { BILLING_CLAIMS_CSV_PATH } from './billing-export';

jest.setTimeout(120_000);

/** The first and last day of the month before today's (UTC). */
function lastMonth(): { from: string; to: string } {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

/**
 * The billing worklist through a real gateway in front of the real subgraphs: a billing clerk
 * answers "what is outstanding from each payer, and how old is it" and "which claims were denied
 * last month and why" over /graphql, and downloads the claims as CSV from GET /billing/claims.csv,
 * authenticated like /graphql and streamed from the billing subgraph.
 */
describe('gateway: billing worklist, reports and GET /billing/claims.csv', () => {
  let platform: TestPlatform;
  let organizationId: string;
  let clerk: UserPrincipal;
  let acme: string;
  let beta: string;
  let deniedLastMonth: string[];
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    platform = await startTestPlatform('billing_worklist');
    const url = platform.db.url;
    organizationId = await insertOrganization(url);
    clerk = staff('billing', organizationId);
    acme = await insertPayer(url, 'Acme Health');
    beta = await insertPayer(url, 'Beta Care');
    const patientId = await insertPatient(url, [organizationId]);
    const { from } = lastMonth();
    const claim = { patientId, organizationId };
    deniedLastMonth = await insertClaims(url, [
      { ...claim, payerId: acme, status: 'adjudicated', serviceDate: from, total: 20_000, ...adjudication('denied', 20_000, { code: 'CO-197', display: 'Precertification absent' }) },
      { ...claim, payerId: beta, status: 'adjudicated', serviceDate: daysBefore(lastMonth().to, 1), total: 9_000, ...adjudication('denied', 9_000, { code: 'CO-50', display: 'Not medically necessary' }) },
    ]);
    await insertClaims(url, [
      // denied, but in another month
      { ...claim, payerId: acme, status: 'adjudicated', serviceDate: daysBefore(from, 1), total: 7_000, ...adjudication('denied', 7_000) },
      // outstanding from the payers, of different ages
      { ...claim, payerId: acme, status: 'submitted', serviceDate: daysBefore(today, 10), total: 15_000 },
      { ...claim, payerId: acme, status: 'accepted', serviceDate: daysBefore(today, 45), total: 25_000 },
      { ...claim, payerId: beta, status: 'submitted', serviceDate: daysBefore(today, 120), total: 50_000 },
    ]);
  });
  afterAll(async () => {
    await platform?.close();
  });

  const csvUrl = (query = '') => `${new URL(BILLING_CLAIMS_CSV_PATH, platform.gateway.baseUrl)}${query ? `?${query}` : ''}`;

  it('answers "what is outstanding from each payer, and how old is it"', async () => {
    const data = await graphqlOk(platform.gateway.url, `{ billingReport { aging { owedBy payer { name } currency days0To30 { amount } days31To60 { amount } days61To90 { amount } over90Days { amount } total { amount } } } }`,
      {}, await bearer(clerk));
    expect(data.billingReport.aging).toEqual([
      { owedBy: 'PAYER', payer: { name: 'Acme Health' }, currency: 'USD', days0To30: { amount: '150.00' }, days31To60: { amount: '250.00' }, days61To90: { amount: '0.00' }, over90Days: { amount: '0.00' }, total: { amount: '400.00' } },
      { owedBy: 'PAYER', payer: { name: 'Beta Care' }, currency: 'USD', days0To30: { amount: '0.00' }, days31To60: { amount: '0.00' }, days61To90: { amount: '0.00' }, over90Days: { amount: '500.00' }, total: { amount: '500.00' } },
    ]);
  });

  it('answers "which claims were denied last month and why"', async () => {
    const data = await graphqlOk(platform.gateway.url, `query ($filter: ClaimFilter) {
      claims(filter: $filter, first: 50) { totalCount edges { node { id payer { name } total { amount currency } denialReason { code display } } } }
    }`, { filter: { outcome: ['DENIED'], serviceFrom: lastMonth().from, serviceTo: lastMonth().to } }, await bearer(clerk));
    expect(data.claims.totalCount).toBe(2);
    expect(data.claims.edges.map((edge: any) => edge.node)).toEqual([
      { id: deniedLastMonth[1], payer: { name: 'Beta Care' }, total: { amount: '90.00', currency: 'USD' }, denialReason: { code: 'CO-50', display: 'Not medically necessary' } },
      { id: deniedLastMonth[0], payer: { name: 'Acme Health' }, total: { amount: '200.00', currency: 'USD' }, denialReason: { code: 'CO-197', display: 'Precertification absent' } },
    ]);
  });

  it('streams the CSV for the caller, audited under the request id the gateway answered with', async () => {
    const response = await fetch(csvUrl('outcome=DENIED&orderBy.field=TOTAL&orderBy.direction=DESC'), { headers: await bearer(clerk) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="claims-/);
    expect(response.headers.get('x-claim-count')).toBe('3');
    const records = recordsOf(await response.text());
    expect(records.map((record) => [record.total, record.denial_reason_code])).toEqual([['200.00', 'CO-197'], ['90.00', 'CO-50'], ['70.00', 'CO-50']]);
    const audit = await withSql(platform.db.url, (sql) => sql(`select service, action, outcome, detail->>'claims' as claims from audit.event where request_id = $1`, [response.headers.get('x-request-id')]));
    expect(audit).toEqual([{ service: 'billing', action: 'read', outcome: 'success', claims: '3' }]);
  });

  it('answers 401 without a token, 403 to a clinician and 400 naming a bad parameter', async () => {
    const anonymous = await fetch(csvUrl());
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const clinician = await fetch(csvUrl(), { headers: await bearer(staff('physician', organizationId)) });
    expect({ status: clinician.status, code: ((await clinician.json()) as any).errors[0].extensions.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    const bad = await fetch(csvUrl('serviceFrom=yesterday'), { headers: await bearer(clerk) });
    expect({ status: bad.status, extensions: ((await bad.json()) as any).errors[0].extensions }).toEqual({ status: 400, extensions: { code: 'BAD_USER_INPUT', field: 'serviceFrom' } });
    // and the GraphQL side refuses the clinician alike
    const refused = await graphql(platform.gateway.url, '{ claims { totalCount } }', {}, await bearer(staff('physician', organizationId)));
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
