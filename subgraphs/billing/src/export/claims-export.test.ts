import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { adjudication, daysBefore, insertClaims, insertPayer } from '../../../../test/support/billing-claims';
import { useBillingServices, type BillingHarness } from '../../../../test/support/billing-services';
import { insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { recordsOf } from '../../../../test/support/csv';
import { assertionHeaders, graphqlOk } from '../../../../test/support/services';
import { CLAIMS_EXPORT_PATH, EXPORT_FETCH_SIZE } from './claims-export.route';

describe('billing: GET /billing/claims.csv (the worklist as CSV)', () => {
  const harness = useBillingServices('claims_export');
  let db: BillingHarness['db'];
  let service: RunningSubgraph;
  let organizationId: string;
  let clerk: UserPrincipal;
  let patientId: string;
  const TODAY = '2026-06-30';

  beforeAll(async () => {
    ({ db, billing: service } = harness);
    ({ organizationId, clerk } = harness);
    patientId = await insertPatient(db.url, [organizationId]);
  });

  const sql = (text: string, params: unknown[] = []) => withSql(db.url, (run) => run(text, params));
  const exportUrl = (query: string) => `${new URL(CLAIMS_EXPORT_PATH, service.url)}${query ? `?${query}` : ''}`;
  async function download(query: string, principal?: Principal) {
    const response = await fetch(exportUrl(query), { headers: await assertionHeaders(service.url, principal) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it('exports the claims a filter matches, in the order the worklist lists them, with amounts as decimals', async () => {
    const payerId = await insertPayer(db.url, 'Acme Health');
    await insertClaims(db.url, Array.from({ length: 12 }, (_, i) => ({
      patientId, organizationId, payerId, serviceDate: daysBefore(TODAY, i % 5), total: 12_345 + i,
      ...(i % 2 ? { status: 'submitted' as const } : { status: 'adjudicated' as const, ...adjudication(i % 4 ? 'denied' : 'partially-paid', 12_345 + i) }),
    })));
    const filter = { status: ['ADJUDICATED'], payerId: [payerId] };
    const listed = (await graphqlOk(service.url, `query ($filter: ClaimFilter) { claims(filter: $filter, orderBy: { field: TOTAL, direction: ASC }, first: 100) { edges { node { id } } } }`,
      { filter }, { principal: clerk })).claims.edges.map((edge: any) => edge.node.id);

    const csv = await download(`status=ADJUDICATED&payerId=${payerId}&orderBy.field=TOTAL&orderBy.direction=ASC`, clerk);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="claims-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(csv.headers.get('cache-control')).toBe('no-store');
    const records = recordsOf(csv.text);
    expect(records.map((record) => record.claim_id)).toEqual(listed);
    expect(listed).toHaveLength(6);
    expect(csv.headers.get('x-claim-count')).toBe('6');
    const claim = (await sql(`select * from billing.claim where id = $1`, [listed[0]]))[0];
    expect(records[0]).toEqual({
      claim_id: claim.id, patient_id: patientId, status: 'ADJUDICATED', outcome: 'PARTIALLY_PAID', type: 'professional',
      service_date: daysBefore(TODAY, 0), billable_period_start: `${daysBefore(TODAY, 0)}T12:00:00.000Z`, billable_period_end: `${daysBefore(TODAY, 0)}T13:00:00.000Z`,
      submitted_at: `${daysBefore(TODAY, 0)}T18:00:00.000Z`, adjudicated_at: '', closed_at: '', payer_id: payerId, payer_name: 'Acme Health', currency: 'USD',
      total: '123.45', allowed: '98.76', payer_amount: '49.38', patient_responsibility: '49.38', paid: '0.00',
      payer_outstanding: '49.38', patient_outstanding: '49.38', outstanding: '98.76', denial_reason_code: '', denial_reason_display: '',
    });
  });

  it('escapes commas, quotes and line breaks, and defuses spreadsheet formulas in text from outside', async () => {
    const organization = await insertOrganization(db.url);
    const payerId = await insertPayer(db.url, 'Smith, Jones "Mutual"');
    await insertClaims(db.url, [{
      patientId: await insertPatient(db.url, [organization]), organizationId: organization, payerId, serviceDate: TODAY, status: 'closed',
      ...adjudication('denied', 5_000, { code: '=CO-50', display: 'Not "medically",\r\nnecessary\nsee =HYPERLINK("x")' }),
    }]);
    const csv = await download('', staff('billing', organization));
    const [record] = recordsOf(csv.text);
    expect(record.payer_name).toBe('Smith, Jones "Mutual"');
    expect(record.denial_reason_display).toBe('Not "medically",\r\nnecessary\nsee =HYPERLINK("x")');
    expect(record.denial_reason_code).toBe("'=CO-50");
    expect(csv.text).toContain('"Smith, Jones ""Mutual"""');
  });

  it(`streams more claims than one fetch (${EXPORT_FETCH_SIZE}) from a cursor: every claim once, in order`, async () => {
    const organization = await insertOrganization(db.url);
    const people = await Promise.all([1, 2, 3].map(() => insertPatient(db.url, [organization])));
    const count = EXPORT_FETCH_SIZE * 2 + 321;
    await sql(`insert into billing.claim (id, patient_id, provider_organization_id, status, type_code, billable_period_start, created_at, total_minor_units, currency, submitted_at)
      select gen_random_uuid(), ($2::uuid[])[1 + i % 3], $1, 'submitted', 'professional', $3::timestamptz - (i % 97) * interval '1 day', now(), 1000 + i, 'USD', now()
      from generate_series(1, $4::int) as i`, [organization, people, `${TODAY}T12:00:00Z`, count]);
    const csv = await download('orderBy.field=SERVICE_DATE&orderBy.direction=DESC', staff('billing', organization));
    expect(csv.headers.get('transfer-encoding')).toBe('chunked');
    const ids = recordsOf(csv.text).map((record) => record.claim_id);
    expect(ids).toHaveLength(count);
    expect(ids).toEqual((await sql(`select id from billing.claim where provider_organization_id = $1 order by service_date desc, id desc`, [organization])).map((row) => row.id));
  });

  it('withholds claims of patients the caller may no longer see, and audits the export once (claims, patients, withheld, filter)', async () => {
    const organization = await insertOrganization(db.url);
    const own = staff('billing', organization);
    const registered = await insertPatient(db.url, [organization]);
    const gone = await insertPatient(db.url, []);
    const shown = await insertClaims(db.url, [0, 1, 2].map((age) => ({ patientId: registered, organizationId: organization, status: 'submitted' as const, serviceDate: daysBefore(TODAY, age) })));
    await insertClaims(db.url, [{ patientId: gone, organizationId: organization, status: 'submitted', serviceDate: TODAY }]);
    const csv = await download('status=SUBMITTED', own);
    expect(recordsOf(csv.text).map((record) => record.claim_id)).toEqual(shown);
    expect(csv.headers.get('x-claim-count')).toBe('3');
    const audit = await sql(`select action, outcome, patient_id, record_types, detail from audit.event where actor_id = $1`, [own.userId]);
    expect(audit).toEqual([{
      action: 'read', outcome: 'success', patient_id: null, record_types: ['Claim'],
      detail: expect.objectContaining({ operation: 'claims-export', claims: 3, patients: 1, withheldClaims: 1, filter: expect.objectContaining({ organizationId: organization, statuses: ['submitted'] }) }),
    }]);
  });

  it('takes the same filters as the GraphQL query and names the parameter at fault', async () => {
    const refusals: [string, string][] = [
      ['foo=1', 'foo'],
      ['status=PAID', 'status'],
      ['serviceFrom=2026-02-30', 'serviceFrom'],
      ['serviceFrom=2026-05-01&serviceTo=2026-04-01', 'serviceTo'],
      ['payerId=nope', 'payerId'],
      ['amount.currency=USD&amount.min=ten', 'amount.min'],
      ['orderBy.field=NAME', 'orderBy.field'],
      ['patientId=a&patientId=b', 'patientId'],
    ];
    for (const [query, field] of refusals) {
      const response = await download(query, clerk);
      expect({ query, status: response.status, body: JSON.parse(response.text) }).toEqual({
        query, status: 400, body: { errors: [{ message: expect.any(String), extensions: { code: 'BAD_USER_INPUT', field } }] },
      });
    }
  });

  it('answers 401 without the gateway, 403 to clinicians, patients and for another organization, and nothing of theirs to other billing staff', async () => {
    expect((await download('')).status).toBe(401);
    for (const principal of [staff('physician', organizationId), patientUser(patientId)]) {
      const response = await download('', principal);
      expect({ status: response.status, code: JSON.parse(response.text).errors[0].extensions.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    }
    const elsewhere = staff('billing', await insertOrganization(db.url));
    const theirs = await download('', elsewhere);
    expect({ status: theirs.status, records: recordsOf(theirs.text) }).toEqual({ status: 200, records: [] });
    const refused = await download(`providerOrganizationId=${organizationId}`, elsewhere);
    expect({ status: refused.status, body: JSON.parse(refused.text) }).toEqual({
      status: 403, body: { errors: [{ message: expect.any(String), extensions: { code: 'FORBIDDEN', field: 'providerOrganizationId' } }] },
    });
    const denied = await sql(`select outcome, detail from audit.event where actor_id = $1 and outcome = 'denied'`, [(elsewhere as UserPrincipal).userId]);
    expect(denied).toEqual([{ outcome: 'denied', detail: { code: 'FORBIDDEN', operation: 'claims-export' } }]);
  });
});
