import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { billingSubgraph } from '../../subgraphs/billing/src/subgraph';
import { patientsSubgraph } from '../../subgraphs/patients/src/subgraph';
import { createTestDatabase } from './database';
import { insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from './principals';
import { graphql, graphqlOk, type GraphQLResponse } from './services';
import { startTestSubgraph } from './services';

/** The billing tables a failed write must leave as they were (and the audit log's writes). */
const LEDGER_TABLES = ['claim', 'claim_transition', 'explanation_of_benefit', 'payment', 'payment_allocation'] as const;

export const CLAIM_FIELDS = `id status typeCode outcome submittedAt adjudicatedAt closedAt createdAt billablePeriodStart billablePeriodEnd
  total { amount currency } allowed { amount currency } payerAmount { amount currency } patientResponsibility { amount currency }
  paid { amount currency } outstanding { amount currency } payerOutstanding { amount currency } patientOutstanding { amount currency }
  denialReason { code display } payer { id name } coverage { id } patient { id } provider { id } encounter { id }
  diagnoses { sequence code { system code } conditionId }
  items { sequence productOrService { system code } quantity unitPrice { amount currency } net { amount currency } }
  transitions { from to at actorKind actorId reason }`;

/**
 * The billing subgraph (with the patients subgraph, whose access policy it asks) on a fresh
 * database for one test file, a provider organization with its billing clerk, and the calls the
 * lifecycle, adjudication and payment tests make. GraphQL goes straight to the billing subgraph
 * with the gateway's assertion of `principal` (default: the clerk).
 */
export class BillingHarness {
  db!: { url: string; drop(): Promise<void> };
  patients!: RunningSubgraph;
  billing!: RunningSubgraph;
  organizationId!: string;
  clerk!: UserPrincipal;

  async start(label: string): Promise<void> {
    this.db = await createTestDatabase(label);
    this.patients = await startTestSubgraph(patientsSubgraph, this.db.url);
    this.billing = await startTestSubgraph(billingSubgraph, this.db.url);
    this.organizationId = await insertOrganization(this.db.url);
    this.clerk = staff('billing', this.organizationId);
  }

  async close(): Promise<void> {
    await this.billing?.close();
    await this.patients?.close();
    await this.db?.drop();
  }

  graphql = (query: string, variables: Record<string, unknown> = {}, principal: Principal = this.clerk): Promise<GraphQLResponse> =>
    graphql(this.billing.url, query, variables, { principal });

  graphqlOk = (query: string, variables: Record<string, unknown> = {}, principal: Principal = this.clerk): Promise<any> =>
    graphqlOk(this.billing.url, query, variables, { principal });

  sql = (text: string, params: unknown[] = []): Promise<any[]> => withSql(this.db.url, (run) => run(text, params));

  /** A patient registered at the clerk's organization (or at `organizationIds`). */
  newPatient = (organizationIds: readonly string[] = [this.organizationId]): Promise<string> => insertPatient(this.db.url, organizationIds);

  /** A payer (fixture row), by a unique name unless given. */
  insertPayer = async (name = `Payer ${randomUUID().slice(0, 8)}`): Promise<string> => {
    const id = randomUUID();
    await this.sql(`insert into billing.payer (id, name, kind) values ($1, $2, 'insurer')`, [id, name]);
    return id;
  };

  /** An active coverage of `patientId` with `payerId` (fixture row). */
  insertCoverage = async (patientId: string, payerId: string, columns: { status?: string; period_start?: string; period_end?: string } = {}): Promise<string> => {
    const id = randomUUID();
    await this.sql(`insert into billing.coverage (id, patient_id, payer_id, status, period_start, period_end) values ($1, $2, $3, $4, $5, $6)`,
      [id, patientId, payerId, columns.status ?? 'active', columns.period_start ?? null, columns.period_end ?? null]);
    return id;
  };

  /**
   * A valid ClaimInput: an office visit (100.00) and 2 × 12.50 of a vaccine, total 125.00 USD,
   * billed 10 days ago, with one ICD-10-CM diagnosis; `overrides` replace top-level fields.
   */
  claimInput = (patientId: string, overrides: Record<string, unknown> = {}): Record<string, any> => ({
    patientId,
    typeCode: 'professional',
    billablePeriod: { start: new Date(Date.now() - 10 * 86400_000).toISOString(), end: new Date(Date.now() - 10 * 86400_000 + 3600_000).toISOString() },
    diagnoses: [{ sequence: 1, code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' } }],
    items: [
      { sequence: 1, productOrService: { system: 'http://www.ama-assn.org/go/cpt', code: '99213' }, net: { amount: '100.00', currency: 'USD' } },
      { sequence: 2, productOrService: { system: 'http://hl7.org/fhir/sid/cvx', code: '140' }, quantity: '2', unitPrice: { amount: '12.50', currency: 'USD' }, net: { amount: '25.00', currency: 'USD' } },
    ],
    total: { amount: '125.00', currency: 'USD' },
    ...overrides,
  });

  createClaim = (input: Record<string, unknown>, principal: Principal = this.clerk) =>
    this.graphql(`mutation ($input: ClaimInput!) { createClaim(input: $input) { ${CLAIM_FIELDS} } }`, { input }, principal);

  submitClaim = (idempotencyKey: string, claim: Record<string, unknown>, principal: Principal = this.clerk) =>
    this.graphql(`mutation ($input: SubmitClaimInput!) { submitClaim(input: $input) { replayed claim { ${CLAIM_FIELDS} } } }`, { input: { idempotencyKey, claim } }, principal);

  transitionClaim = (claimId: string, to: string, reason?: string, principal: Principal = this.clerk) =>
    this.graphql(`mutation ($input: TransitionClaimInput!) { transitionClaim(input: $input) { ${CLAIM_FIELDS} } }`, { input: { claimId, to, reason } }, principal);

  adjudicateClaim = (input: Record<string, unknown>, principal: Principal = this.clerk) =>
    this.graphql(`mutation ($input: AdjudicateClaimInput!) { adjudicateClaim(input: $input) {
      id outcome createdAt submitted { amount currency } allowed { amount } payerAmount { amount } patientResponsibility { amount }
      payer { id } patient { id } provider { id } claim { ${CLAIM_FIELDS} }
      lines { sequence submitted { amount } allowed { amount } payerAmount { amount } patientResponsibility { amount } denialReason { system code display } } } }`, { input }, principal);

  recordPayment = (input: Record<string, unknown>, principal: Principal = this.clerk) =>
    this.graphql(`mutation ($input: RecordPaymentInput!) { recordPayment(input: $input) { replayed payment {
      id source receivedAt reference recordedAt amount { amount currency } payer { id } patient { id }
      allocations { amount { amount currency } claim { id paid { amount } outstanding { amount } payerOutstanding { amount } patientOutstanding { amount } } } } } }`, { input }, principal);

  /** A submitted claim of a new patient (or `patientId`), billed to `payerId`'s coverage when given; returns its id and patient. */
  submittedClaim = async (options: { patientId?: string; payerId?: string; claim?: Record<string, unknown> } = {}): Promise<{ id: string; patientId: string }> => {
    const patientId = options.patientId ?? (await this.newPatient());
    const coverageId = options.payerId ? await this.insertCoverage(patientId, options.payerId) : undefined;
    const response = await this.submitClaim(randomUUID(), this.claimInput(patientId, { coverageId, ...options.claim }));
    if (response.errors) throw new Error(`submitClaim failed: ${JSON.stringify(response.errors)}`);
    return { id: response.data.submitClaim.claim.id, patientId };
  };

  /** Adjudicates the standard claim (claimInput): line 1 allowed 80.00 (payer 60.00, patient 20.00), line 2 as given (default paid in full). */
  adjudicated = async (claimId: string, line2: Record<string, unknown> = {}): Promise<any> => {
    const response = await this.adjudicateClaim({ claimId, lines: [adjudicationLine(1, '80.00', '60.00', '20.00'), { ...adjudicationLine(2, '25.00', '25.00', '0.00'), ...line2 }] });
    if (response.errors) throw new Error(`adjudicateClaim failed: ${JSON.stringify(response.errors)}`);
    return response.data.adjudicateClaim;
  };

  /** Resolves once `count` sessions of this database wait for a lock (what a test holding a row lock lets queue behind it). */
  lockWaiters = async (count: number): Promise<void> => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const [{ waiting }] = await this.sql(`select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      if (waiting >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`fewer than ${count} sessions came to wait for a lock`);
  };

  /** Row counts of the ledger tables and of audit writes: what a refused write must leave unchanged. */
  ledgerCounts = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const table of LEDGER_TABLES) counts[table] = Number((await this.sql(`select count(*) from billing.${table}`))[0].count);
    counts.auditWrites = Number((await this.sql(`select count(*) from audit.event where action = 'write' and outcome = 'success' and service = 'billing'`))[0].count);
    counts.paid = Number((await this.sql(`select coalesce(sum(payer_paid_minor_units + patient_paid_minor_units), 0) as paid from billing.claim`))[0].paid);
    return counts;
  };

  /** The billing write audit rows of an actor, oldest first. */
  auditWrites = (actorId: string): Promise<any[]> =>
    this.sql(`select patient_id::text, record_types, purpose, outcome, detail from audit.event where service = 'billing' and action = 'write' and actor_id = $1 order by id`, [actorId]);
}

/** A MoneyInput in US dollars. */
export const usd = (amount: string) => ({ amount, currency: 'USD' });

/** Expects the first error of `response` to carry `code` (and name `field`, when given). */
export function expectError(response: { errors?: { extensions?: Record<string, unknown> }[] }, code: string, field?: string): void {
  expect(response.errors?.[0]?.extensions).toMatchObject({ code, ...(field && { field }) });
}

/** One adjudicated line in USD. */
export function adjudicationLine(sequence: number, allowed: string, payerAmount: string, patientResponsibility: string, denialReason?: Record<string, unknown>) {
  return { sequence, allowed: usd(allowed), payerAmount: usd(payerAmount), patientResponsibility: usd(patientResponsibility), ...(denialReason && { denialReason }) };
}

/** CARC codes as a payer sends them. */
export const CARC = (code: string, display: string) => ({ system: 'https://x12.org/codes/claim-adjustment-reason-codes', code, display });

/** The harness of one test file: started before its tests, closed after them. */
export function useBillingServices(label: string): BillingHarness {
  const harness = new BillingHarness();
  beforeAll(() => harness.start(label), 120_000);
  afterAll(() => harness.close());
  return harness;
}
