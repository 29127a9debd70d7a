import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { adjudication, daysBefore, decimal, insertClaims, insertPayer, type SeedClaim, type SeedOutcome, type SeedStatus } from '../../../../test/support/billing-claims';
import { useBillingServices, type BillingHarness } from '../../../../test/support/billing-services';
import { insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql } from '../../../../test/support/principals';
import { captureStatements } from '../../../../test/support/statements';
import { graphql, graphqlOk } from '../../../../test/support/services';

const CLAIMS = `query ($filter: ClaimFilter, $orderBy: ClaimOrder, $first: Int, $after: String) {
  claims(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { cursor node { id status } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const TOTALS = `query ($filter: ClaimFilter) {
  claims(filter: $filter, first: 1) {
    totalCount
    totals { count byCurrency { currency claims billed { amount currency } allowed { amount } paid { amount } payerOutstanding { amount } patientOutstanding { amount } outstanding { amount } } }
  }
}`;


describe('billing worklist: claims(filter, orderBy, first, after)', () => {
  const harness = useBillingServices('worklist');
  let db: BillingHarness['db'];
  let service: RunningSubgraph;
  let organizationId: string;
  let clerk: Principal;
  let patientIds: string[];
  let acme: string;
  let beta: string;
  const TODAY = '2026-06-30';

  /** 60 claims of one organization: every status, outcome, payer (and none), two currencies, ties in every sort key, totals missing. */
  function dataset(organization: string, people: string[]): SeedClaim[] {
    const statuses: SeedStatus[] = ['draft', 'submitted', 'accepted', 'rejected', 'adjudicated', 'closed'];
    const outcomes: SeedOutcome[] = ['paid', 'partially-paid', 'denied'];
    return Array.from({ length: 60 }, (_, i) => {
      const status = statuses[i % 6];
      const total = status === 'draft' && i % 12 === 0 ? null : 1000 + (i % 7) * 2500;
      const decided = status === 'adjudicated' || status === 'closed' ? adjudication(outcomes[Math.floor(i / 6) % 3], total!, i % 4 < 2 ? { code: 'CO-50', display: 'Not medically necessary' } : { code: 'CO-197', display: 'Precertification absent' }) : {};
      const paid = status === 'adjudicated' && i % 2 === 0 ? { payerPaid: decided.payerAmount!, patientPaid: i % 4 === 0 ? decided.patientResponsibility! : 0 } : {};
      return {
        patientId: people[i % people.length],
        organizationId: organization,
        payerId: [acme, beta, null][i % 3],
        status,
        serviceDate: daysBefore(TODAY, (i * 7) % 120),
        total,
        currency: i % 10 === 9 ? 'EUR' : 'USD',
        ...decided,
        ...paid,
      };
    });
  }

  beforeAll(async () => {
    ({ db, billing: service } = harness);
    ({ organizationId, clerk } = harness);
    patientIds = await Promise.all([1, 2, 3, 4].map(() => insertPatient(db.url, [organizationId])));
    acme = await insertPayer(db.url, 'Acme Health');
    beta = await insertPayer(db.url, 'Beta Care');
    await insertClaims(db.url, dataset(organizationId, patientIds));
    // another organization's claims of the same patients: never in this organization's lists
    await insertClaims(db.url, dataset(await insertOrganization(db.url), patientIds).slice(0, 10));
  });

  const sql = (text: string, params: unknown[] = []) => withSql(db.url, (run) => run(text, params));
  /** Ids of the organization's claims matching a plain SQL condition, in a plain SQL order. */
  const expectedIds = async (condition: string, params: unknown[], orderBy = `service_date desc, id desc`, organization = organizationId) =>
    (await sql(`select id from billing.claim where provider_organization_id = $1 and (${condition}) order by ${orderBy}`, [organization, ...params])).map((row) => row.id);

  /** Every claim of a listing, page by page, with the pages' sizes. */
  async function listAll(variables: Record<string, unknown>, principal: Principal = clerk, first = 7): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = (await graphqlOk(service.url, CLAIMS, { ...variables, first, after }, { principal })).claims;
      ids.push(...page.edges.map((edge: any) => edge.node.id));
      pages += 1;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return { ids, pages };
  }

  describe('filters', () => {
    const cases: [string, () => Record<string, unknown>, string, () => unknown[]][] = [
      ['no filter', () => ({}), 'true', () => []],
      ['status', () => ({ status: ['SUBMITTED', 'ACCEPTED'] }), `status in ('submitted', 'accepted')`, () => []],
      ['payerId', () => ({ payerId: [acme] }), 'payer_id = $2', () => [acme]],
      ['service date range', () => ({ serviceFrom: daysBefore(TODAY, 40), serviceTo: daysBefore(TODAY, 10) }),
        `(billable_period_start at time zone 'UTC')::date between $2::date and $3::date`, () => [daysBefore(TODAY, 40), daysBefore(TODAY, 10)]],
      ['providerOrganizationId (the caller\'s own)', () => ({ providerOrganizationId: organizationId }), 'true', () => []],
      ['patientId', () => ({ patientId: patientIds[1] }), 'patient_id = $2', () => [patientIds[1]]],
      ['amount of the total', () => ({ amount: { of: 'TOTAL', currency: 'USD', min: '35.00', max: '110.00' } }),
        `currency = 'USD' and total_minor_units between 3500 and 11000`, () => []],
      ['amount outstanding', () => ({ amount: { of: 'OUTSTANDING', currency: 'USD', min: '0.01' } }), `currency = 'USD' and outstanding_minor_units >= 1`, () => []],
      ['denialReasonCode', () => ({ denialReasonCode: ['CO-197'] }), `denial_reason_code = 'CO-197'`, () => []],
      ['outcome', () => ({ outcome: ['DENIED', 'PARTIALLY_PAID'] }), `outcome in ('denied', 'partially-paid')`, () => []],
      ['several at once', () => ({ status: ['ADJUDICATED', 'CLOSED'], payerId: [beta], outcome: ['PAID', 'DENIED'], serviceTo: daysBefore(TODAY, 5) }),
        `status in ('adjudicated', 'closed') and payer_id = $2 and outcome in ('paid', 'denied') and (billable_period_start at time zone 'UTC')::date <= $3::date`,
        () => [beta, daysBefore(TODAY, 5)]],
    ];
    for (const [name, filter, condition, params] of cases) {
      it(`${name}: lists exactly the matching claims, newest service date first`, async () => {
        const expected = await expectedIds(condition, params());
        expect(expected.length).toBeGreaterThan(0);
        expect((await listAll({ filter: filter() })).ids).toEqual(expected);
      });
    }

    it('an empty list is no condition', async () => {
      expect((await listAll({ filter: { status: [], payerId: [] } })).ids).toEqual(await expectedIds('true', []));
    });
  });

  describe('sorts', () => {
    const columns: Record<string, string> = {
      SERVICE_DATE: 'service_date', TOTAL: 'total_minor_units', OUTSTANDING: 'outstanding_minor_units', SUBMITTED_AT: 'submitted_at',
    };
    for (const [field, column] of Object.entries(columns)) {
      for (const direction of ['ASC', 'DESC']) {
        it(`${field} ${direction}: pages through every claim once, in order (ties by id, claims without the value last)`, async () => {
          const { ids, pages } = await listAll({ orderBy: { field, direction } }, clerk, 7);
          expect(new Set(ids).size).toBe(ids.length);
          expect(pages).toBeGreaterThan(5);
          expect(ids).toEqual(await expectedIds('true', [], `(${column} is null), ${column} ${direction}, id ${direction}`));
        });
      }
    }

    it('pages stay put when claims are written between them (keyset, no offsets)', async () => {
      const first: any = (await graphqlOk(service.url, CLAIMS, { first: 10 }, { principal: clerk })).claims;
      // a claim newer than every other: offset paging would push the tenth claim onto page two again
      const [newest] = await insertClaims(db.url, [{ patientId: patientIds[0], organizationId, status: 'submitted', serviceDate: TODAY }]);
      try {
        const rest: string[] = [];
        let after: string | null = first.pageInfo.endCursor;
        while (after) {
          const page: any = (await graphqlOk(service.url, CLAIMS, { first: 10, after }, { principal: clerk })).claims;
          rest.push(...page.edges.map((edge: any) => edge.node.id));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        }
        const seen = [...first.edges.map((edge: any) => edge.node.id), ...rest];
        expect(seen).not.toContain(newest);
        expect(seen).toEqual((await expectedIds('true', [])).filter((id) => id !== newest));
      } finally {
        await sql('delete from billing.claim where id = $1', [newest]);
      }
    });

    it('refuses a cursor of another order, and one that is not a cursor, naming `after`', async () => {
      const page: any = (await graphqlOk(service.url, CLAIMS, { first: 2, orderBy: { field: 'TOTAL', direction: 'ASC' } }, { principal: clerk })).claims;
      const other = await graphql(service.url, CLAIMS, { first: 2, after: page.pageInfo.endCursor }, { principal: clerk });
      expect(other.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      for (const after of ['nope', Buffer.from(JSON.stringify(['TOTAL', 'ASC', "1 or 1=1", randomUUID()])).toString('base64url')]) {
        const bad = await graphql(service.url, CLAIMS, { first: 2, after, orderBy: { field: 'TOTAL', direction: 'ASC' } }, { principal: clerk });
        expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      }
    });
  });

  describe('totals of the filtered set', () => {
    /** What plain SQL sums over the organization's claims matching `condition`, as the API shows it. */
    async function plainTotals(condition: string, params: unknown[] = []) {
      const rows = await sql(`select coalesce(currency, 'USD') as currency, count(*)::int as claims, sum(coalesce(total_minor_units, 0)) as billed,
          sum(coalesce(allowed_minor_units, 0)) as allowed, sum(payer_paid_minor_units + patient_paid_minor_units) as paid,
          sum(payer_outstanding_minor_units) as payer, sum(patient_outstanding_minor_units) as patient
        from billing.claim where provider_organization_id = $1 and (${condition}) group by 1 order by 1`, [organizationId, ...params]);
      const byCurrency = rows.map((row) => ({
        currency: row.currency,
        claims: row.claims,
        billed: { amount: decimal(row.billed), currency: row.currency },
        allowed: { amount: decimal(row.allowed) },
        paid: { amount: decimal(row.paid) },
        payerOutstanding: { amount: decimal(row.payer) },
        patientOutstanding: { amount: decimal(row.patient) },
        outstanding: { amount: decimal(BigInt(row.payer) + BigInt(row.patient)) },
      }));
      const count = byCurrency.reduce((sum, entry) => sum + entry.claims, 0);
      return { totalCount: count, totals: { count, byCurrency } };
    }
    /** The totals the API answers, and which table the statement summed. */
    async function apiTotals(filter: Record<string, unknown>) {
      const { result, statements } = await captureStatements([service.orm], () => graphqlOk(service.url, TOTALS, { filter }, { principal: clerk }));
      const sums = statements.filter((statement) => /\bsum\(/.test(statement.sql)).map((statement) => (/claim_daily_totals/.test(statement.sql) ? 'summary' : 'claims'));
      return { answer: { totalCount: result.claims.totalCount, totals: result.claims.totals }, sums };
    }

    const summaryCases: [string, Record<string, unknown> | (() => Record<string, unknown>), string, unknown[] | (() => unknown[])][] = [
      ['no filter', {}, 'true', []],
      ['status, payer, service dates, outcome and denial reason', () => ({
        status: ['ADJUDICATED', 'CLOSED'], payerId: [acme, beta], serviceFrom: daysBefore(TODAY, 90), serviceTo: daysBefore(TODAY, 3), outcome: ['DENIED', 'PAID'], denialReasonCode: ['CO-50'],
      }), `status in ('adjudicated', 'closed') and payer_id in ($2, $3) and (billable_period_start at time zone 'UTC')::date between $4::date and $5::date
           and outcome in ('denied', 'paid') and denial_reason_code = 'CO-50'`, () => [acme, beta, daysBefore(TODAY, 90), daysBefore(TODAY, 3)]],
      ['open claims of one payer', () => ({ status: ['SUBMITTED', 'ACCEPTED', 'ADJUDICATED'], payerId: [beta] }), `status in ('submitted', 'accepted', 'adjudicated') and payer_id = $2`, () => [beta]],
    ];
    for (const [name, filter, condition, params] of summaryCases) {
      it(`${name}: summed from claim_daily_totals, equal to a plain SQL sum over the claims`, async () => {
        const expected = await plainTotals(condition, typeof params === 'function' ? params() : params);
        expect(expected.totalCount).toBeGreaterThan(0);
        const { answer, sums } = await apiTotals(typeof filter === 'function' ? filter() : filter);
        expect(sums).toEqual(['summary']);
        expect(answer).toEqual(expected);
      });
    }

    const rowCases: [string, () => Record<string, unknown>, string, () => unknown[]][] = [
      ['a patient', () => ({ patientId: patientIds[2] }), 'patient_id = $2', () => [patientIds[2]]],
      ['an amount range with a status', () => ({ status: ['ADJUDICATED'], amount: { of: 'OUTSTANDING', currency: 'USD', min: '1.00', max: '60.00' } }),
        `status = 'adjudicated' and currency = 'USD' and outstanding_minor_units between 100 and 6000`, () => []],
    ];
    for (const [name, filter, condition, params] of rowCases) {
      it(`${name}: one aggregate over the matching claims, equal to a plain SQL sum`, async () => {
        const expected = await plainTotals(condition, params());
        expect(expected.totalCount).toBeGreaterThan(0);
        const { answer, sums } = await apiTotals(filter());
        expect(sums).toEqual(['claims']);
        expect(answer).toEqual(expected);
      });
    }

    it('are zero for a filter nothing matches', async () => {
      expect((await apiTotals({ denialReasonCode: ['NO-SUCH'] })).answer).toEqual({ totalCount: 0, totals: { count: 0, byCurrency: [] } });
    });
  });

  describe('input', () => {
    const refused = async (variables: Record<string, unknown>) => (await graphql(service.url, CLAIMS, variables, { principal: clerk })).errors?.[0].extensions;

    it('names the field at fault', async () => {
      // every field by its path in the argument (the variable) it belongs to
      expect(await refused({ filter: { serviceFrom: '2026-05-01', serviceTo: '2026-04-01' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceTo' });
      expect(await refused({ filter: { serviceFrom: '2026-02-30' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceFrom' });
      expect(await refused({ filter: { amount: { currency: 'USD', min: 'ten' } } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount.min' });
      expect(await refused({ filter: { amount: { currency: 'USD', min: '1.005' } } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount.min' });
      expect(await refused({ filter: { amount: { currency: 'USD', min: '5.00', max: '4.99' } } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount.max' });
      expect(await refused({ filter: { amount: { currency: 'usd' } } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount.currency' });
      expect(await refused({ filter: { amount: { currency: 'XYZ', min: '1' } } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount.currency' });
      expect(await refused({ filter: { payerId: ['not-a-uuid'] } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'payerId' });
      expect(await refused({ filter: { status: ['PAID'] } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status[0]' });
      expect(await refused({ orderBy: { field: 'NAME' } })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'field' });
      expect(await refused({ first: 101 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    });
  });

  describe('access', () => {
    it("shows billing staff of another organization only theirs, and refuses them this organization's", async () => {
      const elsewhere = await insertOrganization(db.url);
      const theirs = await insertClaims(db.url, [{ patientId: await insertPatient(db.url, [elsewhere]), organizationId: elsewhere, status: 'submitted', serviceDate: TODAY }]);
      const other = staff('billing', elsewhere);
      expect((await listAll({}, other)).ids).toEqual(theirs);
      expect((await graphqlOk(service.url, TOTALS, {}, { principal: other })).claims.totals.count).toBe(1);
      const refused = await graphql(service.url, CLAIMS, { filter: { providerOrganizationId: organizationId } }, { principal: other });
      expect(refused.data).toBeNull();
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'providerOrganizationId' });
    });

    it('lets a partner app of the organization with a Claim read scope list them', async () => {
      const app = partnerApp(organizationId, ['system/Claim.read']);
      expect((await listAll({}, app, 100)).ids).toEqual(await expectedIds('true', []));
    });

    it('refuses clinicians, patients, org admins and partner apps without a Claim read scope (FORBIDDEN)', async () => {
      for (const principal of [staff('physician', organizationId), staff('nurse', organizationId), staff('org_admin', organizationId), patientUser(patientIds[0]),
        partnerApp(organizationId, ['system/Observation.read'])]) {
        const response = await graphql(service.url, CLAIMS, {}, { principal });
        expect({ principal: principal.kind, data: response.data, code: response.errors?.[0].extensions?.code }).toEqual({ principal: principal.kind, data: null, code: 'FORBIDDEN' });
      }
    });

    it("leaves claims of patients the caller may no longer see out of the pages (not the totals), and audits what was shown and withheld", async () => {
      const organization = await insertOrganization(db.url);
      const registered = await insertPatient(db.url, [organization]);
      const gone = await insertPatient(db.url, []); // never registered here, no consent
      const shown = await insertClaims(db.url, [1, 2].map((n) => ({ patientId: registered, organizationId: organization, status: 'submitted' as const, serviceDate: daysBefore(TODAY, n) })));
      await insertClaims(db.url, [{ patientId: gone, organizationId: organization, status: 'submitted', serviceDate: daysBefore(TODAY, 3) }]);
      const own = staff('billing', organization);
      expect((await listAll({}, own, 1)).ids).toEqual(shown);
      expect((await graphqlOk(service.url, TOTALS, {}, { principal: own })).claims.totals.count).toBe(3);
      // filtering on the hidden patient finds nothing at all, totals included
      const hidden = (await graphqlOk(service.url, TOTALS, { filter: { patientId: gone } }, { principal: own })).claims;
      expect(hidden).toEqual({ totalCount: 0, totals: { count: 0, byCurrency: [] } });

      const audit = await sql(`select patient_id, outcome, record_types, detail from audit.event where actor_id = $1 and action = 'read' order by id`, [own.kind === 'user' ? own.userId : '']);
      expect(audit).toEqual(expect.arrayContaining([
        { patient_id: registered, outcome: 'success', record_types: ['Claim'], detail: { records: 1 } },
        { patient_id: gone, outcome: 'denied', record_types: ['Claim'], detail: { records: 1 } },
        { patient_id: null, outcome: 'success', record_types: ['Claim'], detail: { records: 3 } },
      ]));
    });
  });
});
