import type { Bundle, Claim, ExplanationOfBenefit } from '@medplum/fhirtypes';
import { createLogger } from '@caregraph/platform';
import {
  DEFAULT_DEMO_SEED, DENIALS, demoDirectory, demoPatient, generateDemoLedgerBundles, ledgerPatientCount, seedDemoAccountsIfMissing, seedDemoIfEmpty, validateBundle,
} from '@caregraph/tools';
import { bearer, startTestPlatform, type TestPlatform } from './support/platform';
import { staff, withSql } from './support/principals';
import { graphqlOk } from './support/services';

jest.setTimeout(180_000);

const resourcesOf = <T>(bundle: Bundle, type: string) => (bundle.entry ?? []).map((e) => e.resource!).filter((r) => r.resourceType === type) as T[];
const CARC_CODES = new Set(DENIALS.map((denial) => denial.code));

/** The first and last day of the calendar month before `today` (UTC), as GraphQL LocalDates. */
function lastMonth(today: Date): { from: string; to: string } {
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0));
  return { from: first.toISOString().slice(0, 10), to: last.toISOString().slice(0, 10) };
}

function ledger(seed: number, patients: number, today: Date) {
  const directory = demoDirectory(seed);
  const records = Array.from({ length: ledgerPatientCount(patients) }, (_, index) => demoPatient(directory, seed, index));
  return [...generateDemoLedgerBundles(directory, records, { seed, today })];
}

describe('demo billing data', () => {
  const today = new Date();

  it('is deterministic for a seed and a run date, and every bundle passes the importer validation', () => {
    const a = ledger(DEFAULT_DEMO_SEED, 60, today);
    expect(a.length).toBe(4); // one ledger per demo hospital
    expect(JSON.stringify(ledger(DEFAULT_DEMO_SEED, 60, today))).toBe(JSON.stringify(a));
    expect(JSON.stringify(ledger(DEFAULT_DEMO_SEED + 1, 60, today))).not.toBe(JSON.stringify(a));
    for (const { source, bundle } of a) expect(validateBundle(bundle, source).entries.length).toBe(bundle.entry!.length);
  });

  it("bills each hospital's patients over the last 15 months, across payers, with denials for CARC reasons and recent ones", () => {
    const month = lastMonth(today);
    for (const { bundle } of ledger(DEFAULT_DEMO_SEED, 60, today)) {
      const claims = resourcesOf<Claim>(bundle, 'Claim');
      const eobs = resourcesOf<ExplanationOfBenefit>(bundle, 'ExplanationOfBenefit');
      expect(claims.length).toBeGreaterThan(200);
      expect(new Set(claims.map((c) => c.provider!.reference)).size).toBe(1);
      const starts = claims.map((c) => Date.parse(c.billablePeriod!.start!));
      expect(Math.min(...starts)).toBeGreaterThanOrEqual(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 14, 1));
      expect(Math.max(...starts)).toBeLessThan(today.getTime());
      expect(new Set(claims.map((c) => c.insurance![0].coverage!.display)).size).toBeGreaterThanOrEqual(3);
      // some claims still wait for the payer, most were adjudicated
      expect(eobs.length).toBeGreaterThan(claims.length / 2);
      expect(eobs.length).toBeLessThan(claims.length);
      const byId = new Map(claims.map((c) => [`urn:uuid:${c.id}`, c]));
      const denied = eobs.filter((eob) => eob.payment!.amount!.value === 0 && eob.item!.every((item) => item.adjudication!.some((a) => a.reason)));
      for (const eob of denied) expect(CARC_CODES.has(eob.item![0].adjudication!.find((a) => a.reason)!.reason!.coding![0].code!)).toBe(true);
      const deniedLastMonth = denied.filter((eob) => byId.get(eob.claim!.reference!)!.billablePeriod!.start!.slice(0, 10) >= month.from
        && byId.get(eob.claim!.reference!)!.billablePeriod!.start!.slice(0, 10) <= month.to);
      expect(deniedLastMonth.length).toBeGreaterThanOrEqual(3);
    }
  });
});

describe("the demo billing clerk's questions, through the gateway", () => {
  const today = new Date();
  let platform: TestPlatform;
  let organizationId: string;
  const logger = createLogger('demo-billing-test', 'silent');

  beforeAll(async () => {
    platform = await startTestPlatform('demo_billing', async (databaseUrl) => {
      await seedDemoIfEmpty({ databaseUrl, logger, patients: 60, today });
      const demo = await seedDemoAccountsIfMissing({ databaseUrl, logger });
      organizationId = demo!.accounts.find((account) => account.email.startsWith('billing@'))!.organizationId!;
    });
  });
  afterAll(() => platform?.close());

  const clerk = () => staff('billing', organizationId);
  const ask = async (query: string, variables: Record<string, unknown> = {}) => graphqlOk(platform.gateway.url, query, variables, { headers: await bearer(clerk()) });
  const sql = (text: string, params: unknown[]) => withSql(platform.db.url, (run) => run(text, params));

  it('answers "what is outstanding from each payer, and how old is it"', async () => {
    const { billingReport } = await ask(`{ billingReport { aging { owedBy payer { name } currency
      days0To30 { amount } days31To60 { amount } days61To90 { amount } over90Days { amount } total { amount } } } }`);
    const payers = billingReport.aging.filter((row: any) => row.owedBy === 'PAYER');
    // the oracle: plain SQL over the organization's claims
    const expected = await sql(`select p.name, sum(c.payer_outstanding_minor_units)::text as owed from billing.claim c join billing.payer p on p.id = c.payer_id
      where c.provider_organization_id = $1 and c.payer_outstanding_minor_units <> 0 group by p.name order by p.name`, [organizationId]);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(payers.map((row: any) => [row.payer.name, row.total.amount.replace('.', '')])).toEqual(expected.map((row: any) => [row.name, row.owed]));
    // varied ages: recent claims awaiting the payer, and some old enough to chase
    const buckets = ['days0To30', 'days31To60', 'days61To90', 'over90Days'];
    for (const bucket of buckets) expect(payers.some((row: any) => row[bucket].amount !== '0.00')).toBe(true);
    expect(billingReport.aging.some((row: any) => row.owedBy === 'PATIENT' && row.total.amount !== '0.00')).toBe(true);
  });

  it('answers "which claims were denied last month and why"', async () => {
    const month = lastMonth(today);
    const { claims } = await ask(`query ($from: LocalDate, $to: LocalDate) {
      claims(filter: { outcome: [DENIED], serviceFrom: $from, serviceTo: $to }, first: 100) {
        totalCount edges { node { id billablePeriodStart payer { name } denialReason { code display } total { amount currency } } } } }`,
    { from: month.from, to: month.to });
    expect(claims.totalCount).toBeGreaterThanOrEqual(3);
    for (const { node } of claims.edges) {
      expect(node.billablePeriodStart.slice(0, 10) >= month.from && node.billablePeriodStart.slice(0, 10) <= month.to).toBe(true);
      expect(CARC_CODES.has(node.denialReason.code)).toBe(true);
      expect(node.denialReason.display).toEqual(DENIALS.find((denial) => denial.code === node.denialReason.code)!.display);
      expect(node.payer.name).toEqual(expect.any(String));
    }
    const [{ count }] = await sql(`select count(*)::int as count from billing.claim where provider_organization_id = $1 and outcome = 'denied'
      and billable_period_start >= $2::date and billable_period_start < $3::date + 1`, [organizationId, month.from, month.to]);
    expect(claims.totalCount).toBe(count);
  });
});
