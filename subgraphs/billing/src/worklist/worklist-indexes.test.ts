import type { RunningSubgraph } from '@caregraph/platform';
import { Client } from 'pg';
import { adjudication, daysBefore, insertClaims, insertPayer } from '../../../../test/support/billing-claims';
import { useBillingServices, type BillingHarness } from '../../../../test/support/billing-services';
import { insertPatient, type UserPrincipal } from '../../../../test/support/principals';
import { planWith, planWithoutScansOrSorts, seqScansOf } from '../../../../test/support/explain';
import { captureStatements } from '../../../../test/support/statements';
import { eventually } from '../../../../test/support/eventually';
import { graphqlOk } from '../../../../test/support/services';

/**
 * "Claims queries use SQL backed by indexes": every statement the worklist sends, for each
 * filter and each sort, is planned on the real schema with sequential scans and sorts priced out
 * (the technique of test/chart-indexes.test.ts). A page's statements must come from an index in
 * index order (no Seq Scan, no Sort): a filter or a sort without an index fails here however
 * small the data. Totals from the summary read claim_daily_totals by its primary key; totals over
 * claims read an index.
 */
describe('billing worklist statements are served by indexes', () => {
  const harness = useBillingServices('worklist_indexes');
  let db: BillingHarness['db'];
  let service: RunningSubgraph;
  let clerk: UserPrincipal;
  let patientId: string;
  let payerId: string;

  beforeAll(async () => {
    ({ db, billing: service } = harness);
    const { organizationId } = harness;
    clerk = harness.clerk;
    patientId = await insertPatient(db.url, [organizationId]);
    payerId = await insertPayer(db.url);
    await insertClaims(db.url, Array.from({ length: 300 }, (_, i) => ({
      patientId, organizationId, payerId: i % 2 ? payerId : null, serviceDate: daysBefore('2026-06-30', i % 200),
      ...(i % 3 ? { status: 'submitted' as const } : { status: 'adjudicated' as const, ...adjudication(i % 2 ? 'denied' : 'paid', 10_000) }),
    })));
    await harness.sql('analyze billing.claim');
  });

  /** The billing statements of one worklist request (page and totals), each with its plan. */
  async function plansOf(variables: Record<string, unknown>): Promise<{ sql: string; nodes: any[] }[]> {
    const query = `query ($filter: ClaimFilter, $orderBy: ClaimOrder) { claims(filter: $filter, orderBy: $orderBy, first: 20) { edges { node { id } } totals { count } } }`;
    const { result, statements } = await captureStatements([service.orm], () => graphqlOk(service.url, query, variables, { principal: clerk }));
    expect(result.claims.totals.count).toBeGreaterThan(0);
    const reads = statements.filter((statement) => /from "billing"\."(claim|claim_daily_totals)"/.test(statement.sql));
    expect(reads.length).toBeGreaterThanOrEqual(2);
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const plans: { sql: string; nodes: any[] }[] = [];
      for (const statement of reads) plans.push({ sql: statement.sql, nodes: await planWithoutScansOrSorts(sql, statement) });
      return plans;
    } finally {
      await sql.end();
    }
  }

  /** Each filter, and the column a page with it alone must find through its index (an Index Cond, not a Filter), where one index serves filter and order. */
  const FILTERS: Record<string, [() => Record<string, unknown>, string?]> = {
    none: [() => ({})],
    status: [() => ({ status: ['SUBMITTED'] }), 'status'],
    'several statuses': [() => ({ status: ['SUBMITTED', 'ADJUDICATED'] })],
    payerId: [() => ({ payerId: [payerId] }), 'payer_id'],
    'service dates': [() => ({ serviceFrom: '2026-03-01', serviceTo: '2026-05-31' }), 'service_date'],
    patientId: [() => ({ patientId })],
    'amount of the total': [() => ({ amount: { of: 'TOTAL', currency: 'USD', min: '50.00' } })],
    'amount outstanding': [() => ({ amount: { of: 'OUTSTANDING', currency: 'USD', max: '500.00' } })],
    denialReasonCode: [() => ({ denialReasonCode: ['CO-50'] }), 'denial_reason_code'],
    outcome: [() => ({ outcome: ['DENIED'] }), 'outcome'],
  };
  const ORDERS = ['SERVICE_DATE', 'TOTAL', 'OUTSTANDING', 'SUBMITTED_AT'].flatMap((field) => ['ASC', 'DESC'].map((direction) => ({ field, direction })));

  const expectIndexed = async (variables: Record<string, unknown>, label: string, indexedColumn?: string) => {
    for (const { sql: text, nodes } of await plansOf(variables)) {
      const seqScans = seqScansOf(nodes);
      expect({ label, seqScans }).toEqual({ label, seqScans: [] });
      if (/ limit /i.test(text)) {
        const sorts = nodes.filter((node) => ['Sort', 'Incremental Sort'].includes(node['Node Type'])).length;
        expect({ label, sorts }).toEqual({ label, sorts: 0 });
        if (indexedColumn) {
          const found = nodes.some((node) => String(node['Index Cond'] ?? '').includes(indexedColumn));
          expect({ label, indexCondOn: indexedColumn, found }).toEqual({ label, indexCondOn: indexedColumn, found: true });
        }
      }
    }
  };

  for (const [name, [filter, indexedColumn]] of Object.entries(FILTERS)) {
    it(`filter ${name}: the page and its totals come from indexes, in index order`, async () => {
      await expectIndexed({ filter: filter() }, name, indexedColumn);
    });
  }

  for (const orderBy of ORDERS) {
    it(`sort ${orderBy.field} ${orderBy.direction}: every page statement reads an index in order`, async () => {
      await expectIndexed({ orderBy }, `${orderBy.field} ${orderBy.direction}`);
      await expectIndexed({ orderBy, filter: { status: ['ADJUDICATED'] } }, `${orderBy.field} ${orderBy.direction} with a status`);
    });
  }

  it('totals over claims (an amount range over service dates) can be an index-only scan: the wide claim rows need not be read', async () => {
    const query = `query ($filter: ClaimFilter) { claims(filter: $filter, first: 1) { totals { count } } }`;
    const filter = { serviceFrom: '2026-03-01', amount: { of: 'OUTSTANDING', currency: 'USD', min: '50.00' } };
    const { statements } = await captureStatements([service.orm], () => graphqlOk(service.url, query, { filter }, { principal: clerk }));
    const totals = statements.find((statement) => /group by/i.test(statement.sql) && /from "billing"\."claim" /.test(statement.sql));
    expect(totals).toBeDefined();
    // settled (all-visible) and with the heap-reading plans priced out, an index that carries everything the aggregate reads wins.
    // A vacuum marks pages all-visible only past every open snapshot of the database (the service's
    // background consumers take some), so vacuum until the visibility map covers the table.
    await eventually(async () => {
      await harness.sql('vacuum (analyze) billing.claim');
      const [{ settled }] = await harness.sql(`select relallvisible >= relpages as settled from pg_class where oid = 'billing.claim'::regclass`);
      return settled === true;
    }, 'billing.claim all-visible after a vacuum');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      const nodes = await planWith(sql, totals!, { enable_seqscan: 'off', enable_bitmapscan: 'off' });
      expect(nodes.map((node) => node['Node Type'])).toContain('Index Only Scan');
    } finally {
      await sql.end();
    }
  });
});
