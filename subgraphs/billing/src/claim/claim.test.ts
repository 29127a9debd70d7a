import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { billingSubgraph } from '../subgraph';
import { countStatements } from '../../../../test/support/statements';
import { ExplanationOfBenefit } from '../adjudication/explanation-of-benefit.entity';
import { Coverage, CoverageStatus } from '../coverage/coverage.entity';
import { Payer, PayerKind } from '../payer/payer.entity';
import { Payment, PaymentAllocation, PaymentSource } from '../payment/payment.entity';
import { ClaimTransition } from './claim-transition.entity';
import { Claim, ClaimOutcome, ClaimStatus } from './claim.entity';

describe('billing subgraph: claims', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  // the caller: billing staff of the organization every test patient is registered at
  let organizationId: string;
  let billing: UserPrincipal;
  const newPatient = () => insertPatient(db.url, [organizationId]);

  beforeAll(async () => {
    db = await createTestDatabase('claims');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy billing asks
    service = await startTestSubgraph(billingSubgraph, db.url);
    organizationId = await insertOrganization(db.url);
    billing = staff('billing', organizationId);
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}) => call(url, query, variables, { principal: billing });
  const graphqlOk = (url: string, query: string, variables: Record<string, unknown> = {}) => callOk(url, query, variables, { principal: billing });

  /** Claims as import writes them (the mutations have tests of their own): seeded rows, billed by the caller's organization unless told otherwise. */
  async function seed(patientId: string, createdAt: string, extra: Partial<Claim> = {}): Promise<string> {
    const em = service.orm.em.fork();
    const claim = em.create(Claim, {
      patientId,
      providerOrganizationId: organizationId,
      status: ClaimStatus.SUBMITTED,
      typeCode: 'institutional',
      createdAt: new Date(createdAt),
      totalMinorUnits: 12500n,
      currency: 'USD',
      ...extra,
    });
    await em.flush();
    return claim.id;
  }

  const patientClaimsQuery = (selection: string) => `query ($id: ID!, $first: Int, $after: String, $status: ClaimStatus) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { claims(first: $first, after: $after, status: $status) { ${selection} } }
    }
  }`;
  const PATIENT_CLAIMS = patientClaimsQuery('totalCount edges { node { id status createdAt } } pageInfo { hasNextPage endCursor }');
  const claimsOf = async (id: string, args: Record<string, unknown> = {}, query = PATIENT_CLAIMS) =>
    (await graphqlOk(service.url, query, { id, ...args }))._entities[0].claims;

  it('returns a claim with its money as decimal strings, its lines and its federated references', async () => {
    const patientId = await newPatient();
    const encounterId = randomUUID();
    const conditionId = randomUUID();
    const id = await seed(patientId, '2024-05-01T10:00:00Z', {
      encounterId,
      totalMinorUnits: 26552n,
      billablePeriodStart: new Date('2024-05-01T09:00:00Z'),
      billablePeriodEnd: new Date('2024-05-01T09:30:00Z'),
      diagnoses: [{ sequence: 1, code: null, conditionId }],
      items: [
        { sequence: 1, productOrService: { system: 'http://snomed.info/sct', code: '185349003', display: 'Check up' }, quantity: null, unitPrice: null, net: null, encounterId },
        { sequence: 2, productOrService: { system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: null }, quantity: 2, unitPrice: { minorUnits: 7026, currency: 'USD' }, net: { minorUnits: 14052, currency: 'USD' }, encounterId: null },
      ],
    });
    const { claim } = await graphqlOk(service.url, `query ($id: ID!) { claim(id: $id) {
      id status typeCode createdAt billablePeriodStart billablePeriodEnd total { amount currency }
      diagnoses { sequence code { code } conditionId }
      items { sequence productOrService { system code display } quantity unitPrice { amount currency } net { amount currency } encounter { id } }
      patient { id } provider { id } encounter { id } } }`, { id });
    expect(claim).toEqual({
      id,
      status: 'SUBMITTED',
      typeCode: 'institutional',
      createdAt: '2024-05-01T10:00:00.000Z',
      billablePeriodStart: '2024-05-01T09:00:00.000Z',
      billablePeriodEnd: '2024-05-01T09:30:00.000Z',
      total: { amount: '265.52', currency: 'USD' },
      diagnoses: [{ sequence: 1, code: null, conditionId }],
      items: [
        { sequence: 1, productOrService: { system: 'http://snomed.info/sct', code: '185349003', display: 'Check up' }, quantity: null, unitPrice: null, net: null, encounter: { id: encounterId } },
        { sequence: 2, productOrService: { system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: null }, quantity: 2, unitPrice: { amount: '70.26', currency: 'USD' }, net: { amount: '140.52', currency: 'USD' }, encounter: null },
      ],
      patient: { id: patientId },
      provider: { id: organizationId },
      encounter: { id: encounterId },
    });
  });

  /** A claim as the ledger leaves it after adjudication and a payer payment: payer, coverage, transitions, EOB, payment. */
  async function seedLedger(patientId: string, createdAt: string): Promise<{ id: string; payerId: string; coverageId: string; paymentId: string; explanationId: string }> {
    const em = service.orm.em.fork();
    // one flush per table: without ORM relations between them, MikroORM does not order the inserts by their foreign keys
    const payer = em.create(Payer, { name: `Payer ${randomUUID().slice(0, 8)}`, kind: PayerKind.INSURER });
    await em.flush();
    const coverage = em.create(Coverage, { patientId, payerId: payer.id, status: CoverageStatus.ACTIVE });
    await em.flush();
    const at = new Date(createdAt);
    const id = await seed(patientId, createdAt, {
      payerId: payer.id, coverageId: coverage.id, status: ClaimStatus.ADJUDICATED, outcome: ClaimOutcome.PARTIALLY_PAID, submittedAt: at, adjudicatedAt: at,
      allowedMinorUnits: 10000n, payerAmountMinorUnits: 8000n, patientResponsibilityMinorUnits: 2000n, payerPaidMinorUnits: 5000n,
      denialReasonCode: 'CO-50', denialReasonDisplay: 'Not medically necessary',
    });
    em.create(ClaimTransition, { claimId: id, fromStatus: null, toStatus: ClaimStatus.SUBMITTED, actorKind: 'system', actorId: 'fhir-import', at });
    const explanation = em.create(ExplanationOfBenefit, {
      claimId: id, patientId, providerOrganizationId: organizationId, payerId: payer.id, outcome: ClaimOutcome.PARTIALLY_PAID, createdAt: at, currency: 'USD',
      submittedMinorUnits: 12500n, allowedMinorUnits: 10000n, payerAmountMinorUnits: 8000n, patientResponsibilityMinorUnits: 2000n,
    });
    const payment = em.create(Payment, { source: PaymentSource.PAYER, payerId: payer.id, organizationId, amountMinorUnits: 5000n, currency: 'USD', receivedAt: at, recordedBy: 'system:test' });
    await em.flush();
    em.create(PaymentAllocation, { paymentId: payment.id, claimId: id, amountMinorUnits: 5000n });
    await em.flush();
    return { id, payerId: payer.id, coverageId: coverage.id, paymentId: payment.id, explanationId: explanation.id };
  }
  const LEDGER_FIELDS = `id status outcome submittedAt adjudicatedAt closedAt denialReason { code display }
    allowed { amount currency } payerAmount { amount } patientResponsibility { amount } paid { amount } outstanding { amount } payerOutstanding { amount } patientOutstanding { amount }
    payer { id } coverage { id } transitions { from to at actorKind actorId reason } explanationOfBenefit { id outcome }
    payments { paymentId source amount { amount currency } payer { id } }`;

  it('returns what adjudication and payments left on a claim: outcome, money, payer, coverage, transitions, EOB, payments', async () => {
    const patientId = await newPatient();
    const ledger = await seedLedger(patientId, '2024-04-01T10:00:00.000Z');
    const { claim } = await graphqlOk(service.url, `query ($id: ID!) { claim(id: $id) { ${LEDGER_FIELDS} } }`, { id: ledger.id });
    expect(claim).toEqual({
      id: ledger.id, status: 'ADJUDICATED', outcome: 'PARTIALLY_PAID', submittedAt: '2024-04-01T10:00:00.000Z', adjudicatedAt: '2024-04-01T10:00:00.000Z', closedAt: null,
      denialReason: { code: 'CO-50', display: 'Not medically necessary' },
      allowed: { amount: '100.00', currency: 'USD' }, payerAmount: { amount: '80.00' }, patientResponsibility: { amount: '20.00' }, paid: { amount: '50.00' },
      // the payer still owes 80.00 - 50.00, the patient their 20.00
      outstanding: { amount: '50.00' }, payerOutstanding: { amount: '30.00' }, patientOutstanding: { amount: '20.00' },
      payer: { id: ledger.payerId }, coverage: { id: ledger.coverageId },
      transitions: [{ from: null, to: 'SUBMITTED', at: '2024-04-01T10:00:00.000Z', actorKind: 'SYSTEM', actorId: 'fhir-import', reason: null }],
      explanationOfBenefit: { id: ledger.explanationId, outcome: 'PARTIALLY_PAID' },
      payments: [{ paymentId: ledger.paymentId, source: 'PAYER', amount: { amount: '50.00', currency: 'USD' }, payer: { id: ledger.payerId } }],
    });
  });

  it('loads the ledger fields of a page of claims in batches: as many statements for 6 claims as for 2', async () => {
    const statementsFor = async (count: number) => {
      const patientId = await newPatient();
      for (let index = 0; index < count; index++) await seedLedger(patientId, `2024-0${index + 1}-01T00:00:00Z`);
      const { result, statements } = await countStatements([service.orm], () => claimsOf(patientId, { first: 10 }, patientClaimsQuery(`edges { node { ${LEDGER_FIELDS} } }`)));
      expect(result.edges).toHaveLength(count);
      return statements.length;
    };
    expect(await statementsFor(6)).toBe(await statementsFor(2));
  });

  it('shows whole amounts with their cents and a claim without total or encounter as null', async () => {
    const id = await seed(await newPatient(), '2024-05-02T10:00:00Z', { totalMinorUnits: null, currency: null });
    const whole = await seed(await newPatient(), '2024-05-02T10:00:00Z', { totalMinorUnits: 12500n });
    const data = await graphqlOk(service.url, `query ($a: ID!, $b: ID!) { a: claim(id: $a) { total { amount } encounter { id } } b: claim(id: $b) { total { amount } } }`, { a: id, b: whole });
    expect(data).toEqual({ a: { total: null, encounter: null }, b: { total: { amount: '125.00' } } });
  });

  it("lists a patient's claims newest first and pages through them without repeats", async () => {
    const patientId = await newPatient();
    const created = ['2022-03-01T00:00:00Z', '2024-01-01T00:00:00Z', '2023-07-01T00:00:00Z', '2024-01-01T00:00:00Z', '2021-01-01T00:00:00Z'];
    const ids: string[] = [];
    for (const at of created) ids.push(await seed(patientId, at));
    await seed(await newPatient(), '2024-06-01T00:00:00Z'); // another patient's

    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    do {
      const page: any = await claimsOf(patientId, { first: 2, after });
      seen.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((c) => c.id))).toEqual(new Set(ids));
    const order = seen.map((c) => c.createdAt);
    expect(order).toEqual([...order].sort().reverse());
  });

  it('filters by status', async () => {
    const patientId = await newPatient();
    await seed(patientId, '2024-01-01T00:00:00Z');
    const cancelled = await seed(patientId, '2024-02-01T00:00:00Z', { status: ClaimStatus.CLOSED });
    const page = await claimsOf(patientId, { status: 'CLOSED' });
    expect(page.totalCount).toBe(1);
    expect(page.edges.map((e: any) => e.node.id)).toEqual([cancelled]);
    expect((await claimsOf(patientId)).totalCount).toBe(2);
  });

  it('names the field of a status outside the value set', async () => {
    const response = await graphql(service.url, PATIENT_CLAIMS, { id: await newPatient(), status: 'PAID' });
    expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
  });

  it('resolves Claim references for other subgraphs (_entities), null for unknown ids', async () => {
    const id = await seed(await newPatient(), '2024-03-03T00:00:00Z');
    const data = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Claim { id typeCode } } }`, {
      reps: [{ __typename: 'Claim', id }, { __typename: 'Claim', id: randomUUID() }, { __typename: 'Claim', id: 'nope' }],
    });
    expect(data._entities).toEqual([{ id, typeCode: 'institutional' }, null, null]);
  });

  it('answers a visible Patient without claims with an empty list, and an unknown one like a hidden one (null)', async () => {
    const query = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { claims { totalCount edges { node { id } } } } } }`;
    expect((await graphqlOk(service.url, query, { id: await newPatient() }))._entities).toEqual([{ claims: { totalCount: 0, edges: [] } }]);
    expect((await graphqlOk(service.url, query, { id: randomUUID() }))._entities).toEqual([{ claims: null }]);
  });

  describe('access: who sees claims', () => {
    const CLAIM = `query ($id: ID!) { claim(id: $id) { id } }`;
    const ENTITIES = `query ($id: ID!) { _entities(representations: [{ __typename: "Claim", id: $id }]) { ... on Claim { id } } }`;
    const LIST = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { claims { totalCount edges { node { id } } } } } }`;
    /** What `principal` gets for one claim: by id, as a reference, and in the patient's list. */
    const seenBy = async (principal: Principal, patientId: string, claimId: string) => {
      const [byId, entity, list] = await Promise.all([
        callOk(service.url, CLAIM, { id: claimId }, { principal }),
        callOk(service.url, ENTITIES, { id: claimId }, { principal }),
        callOk(service.url, LIST, { id: patientId }, { principal }),
      ]);
      return { byId: byId.claim, entity: entity._entities[0], list: list._entities[0].claims };
    };
    const NOTHING = { byId: null, entity: null, list: null };
    const everything = (id: string) => ({ byId: { id }, entity: { id }, list: { totalCount: 1, edges: [{ node: { id } }] } });

    it('shows billing staff of the billing organization its claims', async () => {
      const patientId = await newPatient();
      const id = await seed(patientId, '2024-07-01T00:00:00Z');
      expect(await seenBy(staff('billing', organizationId), patientId, id)).toEqual(everything(id));
    });

    it("never shows another organization's claims to billing staff elsewhere, even with the patient's billing consent", async () => {
      const patientId = await newPatient();
      const id = await seed(patientId, '2024-07-02T00:00:00Z');
      const elsewhere = await insertOrganization(db.url);
      const clerk = staff('billing', elsewhere);
      expect(await seenBy(clerk, patientId, id)).toEqual(NOTHING);
      await insertConsent(db.url, patientId, elsewhere, 'billing');
      // the patient is open to them now, and lists none of our claims
      expect(await seenBy(clerk, patientId, id)).toEqual({ byId: null, entity: null, list: { totalCount: 0, edges: [] } });
    });

    it("shows an organization's claims of a patient registered elsewhere only while the patient's billing consent lasts", async () => {
      const elsewhere = await insertOrganization(db.url);
      const patientId = await insertPatient(db.url, [elsewhere]);
      const id = await seed(patientId, '2024-07-02T00:00:00Z');
      expect(await seenBy(billing, patientId, id)).toEqual(NOTHING);
      await insertConsent(db.url, patientId, organizationId, 'clinical');
      expect(await seenBy(billing, patientId, id)).toEqual(NOTHING);
      const consentId = await insertConsent(db.url, patientId, organizationId, 'billing');
      expect(await seenBy(billing, patientId, id)).toEqual(everything(id));
      await withSql(db.url, (sql) => sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where id = $1`, [consentId]));
      expect(await seenBy(billing, patientId, id)).toEqual(NOTHING);
    });

    it('shows partner apps of the organization its claims with a Claim read scope only', async () => {
      const patientId = await newPatient();
      const id = await seed(patientId, '2024-07-05T00:00:00Z');
      expect(await seenBy(partnerApp(organizationId, ['system/Claim.read']), patientId, id)).toEqual(everything(id));
      expect(await seenBy(partnerApp(organizationId, ['system/Coverage.read', 'system/Claim.c']), patientId, id)).toEqual(NOTHING);
      expect(await seenBy(partnerApp(await insertOrganization(db.url), ['system/Claim.read']), patientId, id)).toEqual(NOTHING);
    });

    it('hides claims from clinicians, even of the registering organization (minimum necessary)', async () => {
      const patientId = await newPatient();
      const id = await seed(patientId, '2024-07-03T00:00:00Z');
      expect(await seenBy(staff('physician', organizationId), patientId, id)).toEqual(NOTHING);
      expect(await seenBy(staff('nurse', organizationId), patientId, id)).toEqual(NOTHING);
    });

    it("shows a patient their own claims and not another patient's", async () => {
      const patientId = await newPatient();
      const own = await seed(patientId, '2024-07-04T00:00:00Z');
      const otherPatientId = await newPatient();
      const others = await seed(otherPatientId, '2024-07-04T00:00:00Z');
      const me = patientUser(patientId);
      expect(await seenBy(me, patientId, own)).toEqual(everything(own));
      expect(await seenBy(me, otherPatientId, others)).toEqual(NOTHING);
    });
  });
});
