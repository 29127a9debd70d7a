import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { adjudication, daysBefore, decimal, insertClaims, insertPayer, type SeedClaim, type SeedOutcome, type SeedStatus } from '../../../../test/support/billing-claims';
import { useBillingServices, type BillingHarness } from '../../../../test/support/billing-services';
import { insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql } from '../../../../test/support/principals';
import { Client } from 'pg';
import { planWithoutScansOrSorts, seqScansOf } from '../../../../test/support/explain';
import { captureStatements } from '../../../../test/support/statements';
import { graphql, graphqlOk } from '../../../../test/support/services';

const AMOUNTS = 'currency claims billed { amount } allowed { amount } paid { amount } payerOutstanding { amount } patientOutstanding { amount } outstanding { amount }';
const REPORT = `query ($from: LocalDate, $to: LocalDate, $asOf: LocalDate) {
  billingReport(from: $from, to: $to) {
    from to
    byPayer { payer { id name } ${AMOUNTS} }
    byMonth { month ${AMOUNTS} }
    denials { payer { id } adjudicatedClaims deniedClaims denialRate reasons { code display deniedClaims denialRate } }
    aging(asOf: $asOf) { owedBy payer { id } currency days0To30 { amount } days31To60 { amount } days61To90 { amount } over90Days { amount } total { amount } }
  }
}`;


describe('billing reports: billingReport(from, to)', () => {
  const harness = useBillingServices('billing_reports');
  let db: BillingHarness['db'];
  let service: RunningSubgraph;
  let organizationId: string;
  let clerk: Principal;
  let acme: string;
  let beta: string;
  const TODAY = '2026-06-30';

  beforeAll(async () => {
    ({ db, billing: service } = harness);
    ({ organizationId, clerk } = harness);
    acme = await insertPayer(db.url, 'Acme Health');
    beta = await insertPayer(db.url, 'Beta Care');
    const people = await Promise.all([1, 2, 3].map(() => insertPatient(db.url, [organizationId])));
    const statuses: SeedStatus[] = ['draft', 'submitted', 'accepted', 'rejected', 'adjudicated', 'closed', 'adjudicated'];
    const outcomes: SeedOutcome[] = ['paid', 'denied', 'partially-paid', 'denied'];
    const reasons = [{ code: 'CO-50', display: 'Not medically necessary' }, { code: 'CO-197', display: 'Precertification absent' }, { code: 'CO-16', display: 'Missing information' }];
    const claims: SeedClaim[] = Array.from({ length: 140 }, (_, i) => {
      const status = statuses[i % 7];
      const total = 2_000 + (i % 9) * 1_750;
      const decided = status === 'adjudicated' || status === 'closed' ? adjudication(outcomes[Math.floor(i / 7) % 4], total, reasons[i % 3]) : {};
      return {
        patientId: people[i % 3], organizationId, payerId: [acme, beta, null][i % 3], status, serviceDate: daysBefore(TODAY, (i * 5) % 200), total,
        currency: i % 13 === 0 ? 'EUR' : 'USD', ...decided, ...(status === 'adjudicated' && i % 2 ? { payerPaid: decided.payerAmount! } : {}),
      };
    });
    // denied without a reason recorded
    claims.push({ patientId: people[0], organizationId, payerId: acme, status: 'closed', serviceDate: daysBefore(TODAY, 3), total: 5_000, ...adjudication('denied', 5_000), denialCode: null, denialDisplay: null });
    await insertClaims(db.url, claims);
    // another organization's claims, with the same payers: never in this organization's reports
    const elsewhere = await insertOrganization(db.url);
    await insertClaims(db.url, claims.slice(0, 30).map((claim) => ({ ...claim, organizationId: elsewhere })));
  });

  const sql = (text: string, params: unknown[] = []) => withSql(db.url, (run) => run(text, params));
  const report = async (variables: Record<string, unknown> = {}, principal: Principal = clerk) =>
    (await graphqlOk(service.url, REPORT, { asOf: TODAY, ...variables }, { principal })).billingReport;

  /** Plain SQL sums over the organization's claims (drafts left out), grouped by `key`, shown as the API shows them. */
  async function plainAmounts(key: string, range: { from?: string; to?: string } = {}) {
    const rows = await sql(`select ${key} as key, coalesce(currency, 'USD') as currency, count(*)::int as claims, sum(coalesce(total_minor_units, 0)) as billed,
        sum(coalesce(allowed_minor_units, 0)) as allowed, sum(payer_paid_minor_units + patient_paid_minor_units) as paid,
        sum(payer_outstanding_minor_units) as payer, sum(patient_outstanding_minor_units) as patient
      from billing.claim where provider_organization_id = $1 and status <> 'draft'
        and ($2::date is null or (billable_period_start at time zone 'UTC')::date >= $2::date) and ($3::date is null or (billable_period_start at time zone 'UTC')::date <= $3::date)
      group by 1, 2 order by 1, 2`, [organizationId, range.from ?? null, range.to ?? null]);
    return rows.map((row) => ({
      key: row.key,
      currency: row.currency,
      claims: row.claims,
      billed: { amount: decimal(row.billed) },
      allowed: { amount: decimal(row.allowed) },
      paid: { amount: decimal(row.paid) },
      payerOutstanding: { amount: decimal(row.payer) },
      patientOutstanding: { amount: decimal(row.patient) },
      outstanding: { amount: decimal(BigInt(row.payer) + BigInt(row.patient)) },
    }));
  }

  it('sums by payer what plain SQL sums over the claims, payers by name, claims without a payer last', async () => {
    const expected = await plainAmounts(`coalesce(payer_id::text, 'none')`);
    const names: Record<string, string | null> = { [acme]: 'Acme Health', [beta]: 'Beta Care', none: null };
    const order = [acme, beta, 'none'];
    const byPayer = (await report()).byPayer;
    expect(byPayer).toEqual(expected
      .sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key) || a.currency.localeCompare(b.currency))
      .map(({ key, ...amounts }) => ({ payer: names[key] ? { id: key, name: names[key] } : null, ...amounts })));
    expect(byPayer.length).toBeGreaterThanOrEqual(4);
  });

  it('sums by service month what plain SQL sums over the claims, from claim_daily_totals', async () => {
    const range = { from: '2026-01-15', to: '2026-05-20' };
    const expected = await plainAmounts(`to_char(billable_period_start at time zone 'UTC', 'YYYY-MM')`, range);
    const { result, statements } = await captureStatements([service.orm], () => graphqlOk(service.url, `query ($from: LocalDate, $to: LocalDate) { billingReport(from: $from, to: $to) { from to byMonth { month ${AMOUNTS} } } }`, range, { principal: clerk }));
    expect(result.billingReport).toEqual({ ...range, byMonth: expected.map(({ key, ...amounts }) => ({ month: key, ...amounts })) });
    expect([...new Set(result.billingReport.byMonth.map((row: any) => row.month))]).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05']);
    // the aggregate read the summaries, not the claims: February to April as months, the edges as days
    const sums = statements.filter((statement) => /\bsum\(/.test(statement.sql));
    expect(sums.map((statement) => [/from "billing"\."claim_daily_totals"/.test(statement.sql), /from "billing"\."claim_monthly_totals"/.test(statement.sql), /from "billing"\."claim" /.test(statement.sql)])).toEqual([[true, true, false]]);
    expect(sums[0].params).toEqual(expect.arrayContaining(['2026-02-01', '2026-05-01']));
  });

  it.each([
    ['whole months', '2026-02-01', '2026-04-30'],
    ['ends on a month end that is not the 31st', '2026-01-10', '2026-02-28'],
    ['one day', '2026-03-15', '2026-03-15'],
    ['within one month', '2026-03-02', '2026-03-30'],
    ['the first of a month to the first of the next', '2026-03-01', '2026-04-01'],
    ['the last of a month to the first of the next', '2026-02-28', '2026-03-01'],
    ['open start', null, '2026-03-17'],
    ['open end', '2026-03-17', null],
  ])('sums by payer and by month what plain SQL sums over the claims for a range of %s', async (_name, from, to) => {
    const range = { from: from ?? undefined, to: to ?? undefined };
    const { byPayer, byMonth } = await report({ from, to });
    const strip = <T extends { key: string }>({ key: _key, ...amounts }: T) => amounts;
    const expectedByPayer = await plainAmounts(`coalesce(payer_id::text, 'none')`, range);
    expect(byPayer.map(({ payer, ...amounts }: any) => ({ payer: payer?.id ?? 'none', ...amounts })).sort((a: any, b: any) => `${a.payer}${a.currency}`.localeCompare(`${b.payer}${b.currency}`)))
      .toEqual(expectedByPayer.map((row) => ({ payer: row.key, ...strip(row) })).sort((a, b) => `${a.payer}${a.currency}`.localeCompare(`${b.payer}${b.currency}`)));
    expect(byMonth).toEqual((await plainAmounts(`to_char(billable_period_start at time zone 'UTC', 'YYYY-MM')`, range)).map((row) => ({ month: row.key, ...strip(row) })));
  });

  it('keeps claim_monthly_totals equal to claim_daily_totals rolled up by month', async () => {
    const rollUp = (table: string, day: string) => sql(`select organization_id, ${day} as month, payer_id, status, outcome, denial_reason_code, currency,
        sum(claim_count)::text as claims, sum(billed_minor_units)::text as billed, sum(allowed_minor_units)::text as allowed, sum(paid_minor_units)::text as paid,
        sum(payer_outstanding_minor_units)::text as payer, sum(patient_outstanding_minor_units)::text as patient
      from billing.${table} group by 1, 2, 3, 4, 5, 6, 7 having sum(claim_count) <> 0 order by 1, 2, 3, 4, 5, 6, 7`);
    const monthly = await rollUp('claim_monthly_totals', 'month');
    expect(monthly.length).toBeGreaterThan(10);
    expect(monthly).toEqual(await rollUp('claim_daily_totals', `date_trunc('month', day)::date`));
  });

  it('gives each payer denied / adjudicated claims and the share of each denial reason, as plain SQL counts them', async () => {
    const rows = await sql(`select coalesce(payer_id::text, 'none') as payer, count(*)::int as adjudicated, count(*) filter (where outcome = 'denied')::int as denied
      from billing.claim where provider_organization_id = $1 and outcome is not null group by 1`, [organizationId]);
    const reasons = await sql(`select coalesce(payer_id::text, 'none') as payer, denial_reason_code as code, max(denial_reason_display) as display, count(*)::int as denied
      from billing.claim where provider_organization_id = $1 and outcome = 'denied' group by 1, 2 order by 4 desc, 2 nulls first`, [organizationId]);
    const denials = (await report()).denials;
    const order = [acme, beta, 'none'];
    expect(denials).toEqual(rows.sort((a, b) => order.indexOf(a.payer) - order.indexOf(b.payer)).map((row) => ({
      payer: row.payer === 'none' ? null : { id: row.payer },
      adjudicatedClaims: row.adjudicated,
      deniedClaims: row.denied,
      denialRate: row.denied / row.adjudicated,
      reasons: reasons.filter((reason) => reason.payer === row.payer).map((reason) => ({ code: reason.code, display: reason.display, deniedClaims: reason.denied, denialRate: reason.denied / row.adjudicated })),
    })));
    const acmeReasons = denials[0].reasons.map((reason: any) => reason.code);
    expect(acmeReasons).toContain(null); // the claim denied without a reason
    expect(denials[0].denialRate).toBeGreaterThan(0);
  });

  describe('receivables aging', () => {
    let aging: any[];
    let organization: string;
    let payer: string;
    // one claim per age, each owing a different power of two, so every bucket's sum names its claims
    const AGES = [-2, 0, 30, 31, 60, 61, 90, 91, 400];

    beforeAll(async () => {
      organization = await insertOrganization(db.url);
      payer = await insertPayer(db.url);
      const patientId = await insertPatient(db.url, [organization]);
      await insertClaims(db.url, [
        // the payer owes these whole (submitted: the billed total)
        ...AGES.map((age, index) => ({ patientId, organizationId: organization, payerId: payer, status: 'submitted' as const, serviceDate: daysBefore(TODAY, age), total: 2 ** index * 100 })),
        // the patient owes their responsibility (80 % × 20 % of 100.00 = 16.00) once the payer has paid
        ...[30, 31].map((age) => ({
          patientId, organizationId: organization, payerId: payer, status: 'adjudicated' as const, serviceDate: daysBefore(TODAY, age), total: 10_000,
          ...adjudication('paid', 10_000), payerPaid: 6_400,
        })),
        // settled, and drafts: nothing owed
        { patientId, organizationId: organization, payerId: payer, status: 'closed', serviceDate: daysBefore(TODAY, 45), ...adjudication('paid', 10_000), payerPaid: 6_400, patientPaid: 1_600 },
        { patientId, organizationId: organization, payerId: payer, status: 'draft', serviceDate: daysBefore(TODAY, 45) },
      ]);
      aging = (await report({}, staff('billing', organization))).aging;
    });

    it('puts 30 days in 0-30, 31 and 60 in 31-60, 61 and 90 in 61-90, 91 and older over 90 (services after asOf in 0-30)', async () => {
      expect(aging[0]).toEqual({
        owedBy: 'PAYER', payer: { id: payer }, currency: 'USD',
        days0To30: { amount: decimal((1 + 2 + 4) * 100) }, // -2, 0, 30 days
        days31To60: { amount: decimal((8 + 16) * 100) }, // 31, 60
        days61To90: { amount: decimal((32 + 64) * 100) }, // 61, 90
        over90Days: { amount: decimal((128 + 256) * 100) }, // 91, 400
        total: { amount: decimal(511 * 100) },
      });
    });

    it("ages what patients owe apart from what payers owe", async () => {
      expect(aging.slice(1)).toEqual([{
        owedBy: 'PATIENT', payer: null, currency: 'USD',
        days0To30: { amount: '16.00' }, days31To60: { amount: '16.00' }, days61To90: { amount: '0.00' }, over90Days: { amount: '0.00' }, total: { amount: '32.00' },
      }]);
    });

    it('counts ages to asOf, and covers only the service dates in from..to', async () => {
      const later = (await report({ asOf: daysBefore(TODAY, -1) }, staff('billing', organization))).aging[0];
      expect(later.days0To30.amount).toBe(decimal((1 + 2) * 100)); // 30 days old is now 31
      const ranged = (await report({ from: daysBefore(TODAY, 60), to: daysBefore(TODAY, 31) }, staff('billing', organization))).aging;
      expect(ranged.map((row: any) => [row.owedBy, row.total.amount])).toEqual([['PAYER', decimal((8 + 16) * 100)], ['PATIENT', '16.00']]);
    });

    it('equals plain SQL over the claims for a whole organization', async () => {
      const rows = await sql(`select coalesce(payer_id::text, 'none') as payer, coalesce(currency, 'USD') as currency,
          sum(payer_outstanding_minor_units) filter (where $2::date - service_date <= 30) as a, sum(payer_outstanding_minor_units) filter (where $2::date - service_date between 31 and 60) as b,
          sum(payer_outstanding_minor_units) filter (where $2::date - service_date between 61 and 90) as c, sum(payer_outstanding_minor_units) filter (where $2::date - service_date > 90) as d
        from billing.claim where provider_organization_id = $1 and status <> 'draft' group by 1, 2 having sum(payer_outstanding_minor_units) <> 0`, [organizationId, TODAY]);
      const payers = (await report()).aging.filter((row: any) => row.owedBy === 'PAYER');
      const key = (payerId: string, currency: string) => `${payerId}/${currency}`;
      expect(Object.fromEntries(payers.map((row: any) => [key(row.payer?.id ?? 'none', row.currency), [row.days0To30.amount, row.days31To60.amount, row.days61To90.amount, row.over90Days.amount]])))
        .toEqual(Object.fromEntries(rows.map((row) => [key(row.payer, row.currency), [row.a, row.b, row.c, row.d].map((value) => decimal(value ?? 0))])));
    });
  });

  it('aggregates the daily and monthly summaries through their primary keys, and reads claims only by index (denial reason displays)', async () => {
    const { statements } = await captureStatements([service.orm], () => report({ from: '2026-01-05', to: TODAY }));
    const reads = statements.filter((statement) => /from "billing"\."(claim|claim_daily_totals|claim_monthly_totals)"/.test(statement.sql));
    expect(reads.filter((statement) => /\bsum\(/.test(statement.sql)).every((statement) => /from "billing"\."claim_monthly_totals"/.test(statement.sql) && !/from "billing"\."claim" /.test(statement.sql))).toBe(true);
    expect(reads.length).toBe(5); // by payer, by month, denials, reason displays, aging
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      for (const statement of reads) expect(seqScansOf(await planWithoutScansOrSorts(sql, statement))).toEqual([]);
    } finally {
      await sql.end();
    }
  });

  it('names a bad date range', async () => {
    const response = await graphql(service.url, REPORT, { from: '2026-05-01', to: '2026-04-30' }, { principal: clerk });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it("shows billing staff of another organization only their own (here: nothing), and refuses clinicians and patients", async () => {
    const elsewhere = await report({}, staff('billing', await insertOrganization(db.url)));
    expect(elsewhere).toMatchObject({ byPayer: [], byMonth: [], denials: [], aging: [] });
    expect((await report({}, partnerApp(organizationId, ['system/Claim.read']))).byPayer.length).toBeGreaterThan(0);
    const patientId = (await sql('select patient_id from billing.claim where provider_organization_id = $1 limit 1', [organizationId]))[0].patient_id;
    for (const principal of [staff('physician', organizationId), patientUser(patientId), partnerApp(organizationId, ['system/Patient.read'])]) {
      const response = await graphql(service.url, REPORT, {}, { principal });
      expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(response.data).toBeNull();
    }
  });
});
