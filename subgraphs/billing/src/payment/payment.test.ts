import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { adjudicationLine, CARC, expectError, usd, useBillingServices } from '../../../../test/support/billing-services';
import { insertOrganization, partnerApp, patientUser, staff } from '../../../../test/support/principals';

jest.setTimeout(120_000);

/**
 * Payments through the billing subgraph's GraphQL: applied to adjudicated claims, raising what
 * was paid and lowering what is owed, in one transaction with the claims locked; refused (naming
 * the field, writing nothing) when they do not fit; idempotent; and the daily summary kept equal
 * to a rebuild from the claims.
 */
describe('billing: payments', () => {
  const billing = useBillingServices('payments');
  const yesterday = () => new Date(Date.now() - 86400_000).toISOString();

  /** An adjudicated claim billed to `payerId`: the payer owes 85.00, the patient 20.00 (see BillingHarness.adjudicated). */
  async function adjudicatedClaim(payerId: string, patientId?: string): Promise<{ id: string; patientId: string }> {
    const claim = await billing.submittedClaim({ payerId, patientId });
    await billing.adjudicated(claim.id);
    return claim;
  }
  const CLAIM = `query ($id: ID!) { claim(id: $id) { status paid { amount } outstanding { amount } payerOutstanding { amount } patientOutstanding { amount }
    payments { paymentId source receivedAt reference amount { amount currency } payer { id } } } }`;
  const claimOf = async (id: string) => (await billing.graphqlOk(CLAIM, { id })).claim;

  it("applies a payer's payment to its claims: paid raised, outstanding lowered, the payment on each claim", async () => {
    const payerId = await billing.insertPayer();
    const first = await adjudicatedClaim(payerId);
    const second = await adjudicatedClaim(payerId);
    const receivedAt = yesterday();
    const response = await billing.recordPayment({
      source: 'PAYER', payerId, amount: usd('145.00'), receivedAt, reference: 'EFT 000123',
      allocations: [{ claimId: first.id, amount: usd('85.00') }, { claimId: second.id, amount: usd('60.00') }],
    });
    expect(response.errors).toBeUndefined();
    const { payment, replayed } = response.data.recordPayment;
    expect(replayed).toBe(false);
    expect(payment).toMatchObject({ source: 'PAYER', receivedAt, reference: 'EFT 000123', amount: usd('145.00'), payer: { id: payerId }, patient: null, recordedAt: expect.any(String) });
    expect(payment.allocations).toHaveLength(2);
    expect(await claimOf(first.id)).toEqual({
      status: 'ADJUDICATED', paid: { amount: '85.00' }, outstanding: { amount: '20.00' }, payerOutstanding: { amount: '0.00' }, patientOutstanding: { amount: '20.00' },
      payments: [{ paymentId: payment.id, source: 'PAYER', receivedAt, reference: 'EFT 000123', amount: usd('85.00'), payer: { id: payerId } }],
    });
    expect(await claimOf(second.id)).toMatchObject({ paid: { amount: '60.00' }, payerOutstanding: { amount: '25.00' }, patientOutstanding: { amount: '20.00' } });
    expect(await billing.sql(`select amount_minor_units, organization_id, recorded_by from billing.payment where id = $1`, [payment.id]))
      .toEqual([{ amount_minor_units: '14500', organization_id: billing.organizationId, recorded_by: `user:${billing.clerk.userId}` }]);
  });

  it("applies a patient's payment to their own claims; a claim paid in full stays ADJUDICATED until closed", async () => {
    const payerId = await billing.insertPayer();
    const { id, patientId } = await adjudicatedClaim(payerId);
    await billing.recordPayment({ source: 'PAYER', payerId, amount: usd('85.00'), receivedAt: yesterday(), allocations: [{ claimId: id, amount: usd('85.00') }] });
    const response = await billing.recordPayment({ source: 'PATIENT', patientId, amount: usd('20.00'), receivedAt: yesterday(), allocations: [{ claimId: id, amount: usd('20.00') }] });
    expect(response.errors).toBeUndefined();
    expect(response.data.recordPayment.payment).toMatchObject({ source: 'PATIENT', patient: { id: patientId }, payer: null });
    const claim = await claimOf(id);
    expect(claim).toMatchObject({ status: 'ADJUDICATED', paid: { amount: '105.00' }, outstanding: { amount: '0.00' } });
    expect(claim.payments.map((payment: any) => payment.source)).toEqual(['PAYER', 'PATIENT']);
    // closing it now writes off nothing
    const closed = (await billing.transitionClaim(id, 'CLOSED')).data.transitionClaim;
    expect(closed.transitions.at(-1)).toMatchObject({ to: 'CLOSED', reason: null });
  });

  it('shows the patient the payments on their own claim', async () => {
    const payerId = await billing.insertPayer();
    const { id, patientId } = await adjudicatedClaim(payerId);
    await billing.recordPayment({ source: 'PAYER', payerId, amount: usd('10.00'), receivedAt: yesterday(), allocations: [{ claimId: id, amount: usd('10.00') }] });
    const { claim } = await billing.graphqlOk(CLAIM, { id }, patientUser(patientId));
    expect(claim.payments).toEqual([expect.objectContaining({ source: 'PAYER', amount: usd('10.00') })]);
  });

  it('audits a payment once per patient whose claims it pays', async () => {
    const clerk = staff('billing', billing.organizationId);
    const payerId = await billing.insertPayer();
    const first = await adjudicatedClaim(payerId);
    const second = await adjudicatedClaim(payerId);
    const { payment } = (await billing.recordPayment({
      source: 'PAYER', payerId, amount: usd('2.00'), receivedAt: yesterday(), allocations: [{ claimId: first.id, amount: usd('1.00') }, { claimId: second.id, amount: usd('1.00') }],
    }, clerk)).data.recordPayment;
    const rows = await billing.auditWrites(clerk.userId);
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(expect.arrayContaining([first, second].map((claim) => ({
      patient_id: claim.patientId, record_types: ['PaymentReconciliation'], purpose: 'payment', outcome: 'success',
      detail: { operation: 'payment', paymentId: payment.id, source: 'payer', claimIds: [claim.id] },
    }))));
  });

  describe('refused: the field at fault, nothing written', () => {
    let payerId: string;
    let claim: { id: string; patientId: string };
    const payerPayment = (allocations: unknown[], amount = '10.00', extra: Record<string, unknown> = {}) =>
      ({ source: 'PAYER', payerId, amount: usd(amount), receivedAt: yesterday(), allocations, ...extra });
    beforeAll(async () => {
      payerId = await billing.insertPayer();
      claim = await adjudicatedClaim(payerId);
    });

    const cases: [string, string, () => Promise<Record<string, unknown>>][] = [
      ['more than the payer still owes', 'allocations[0].amount', async () => payerPayment([{ claimId: claim.id, amount: usd('85.01') }], '85.01')],
      ['more than the patient still owes', 'allocations[0].amount', async () =>
        ({ source: 'PATIENT', patientId: claim.patientId, amount: usd('20.01'), receivedAt: yesterday(), allocations: [{ claimId: claim.id, amount: usd('20.01') }] })],
      ['allocations that do not sum to the amount', 'amount.amount', async () => payerPayment([{ claimId: claim.id, amount: usd('9.99') }])],
      ['a negative amount', 'amount.amount', async () => payerPayment([{ claimId: claim.id, amount: usd('10.00') }], '-10.00')],
      ['a zero allocation', 'allocations[0].amount.amount', async () => payerPayment([{ claimId: claim.id, amount: usd('0.00') }], '0.01')],
      ['a non-numeric amount', 'amount.amount', async () => payerPayment([{ claimId: claim.id, amount: usd('10.00') }], 'ten')],
      ['an unknown currency', 'amount.currency', async () => ({ ...payerPayment([{ claimId: claim.id, amount: usd('10.00') }]), amount: { amount: '10.00', currency: 'QQQ' } })],
      ['an allocation in another currency than the payment', 'allocations[0].amount.currency', async () => payerPayment([{ claimId: claim.id, amount: { amount: '10.00', currency: 'EUR' } }])],
      ['a payment in another currency than the claim', 'allocations[0].amount.currency', async () =>
        ({ ...payerPayment([{ claimId: claim.id, amount: { amount: '10.00', currency: 'EUR' } }]), amount: { amount: '10.00', currency: 'EUR' } })],
      ["a payer's payment to another payer's claim", 'allocations[0].claimId', async () => payerPayment([{ claimId: (await adjudicatedClaim(await billing.insertPayer())).id, amount: usd('10.00') }])],
      ["a patient's payment to another patient's claim", 'allocations[0].claimId', async () =>
        ({ source: 'PATIENT', patientId: await billing.newPatient(), amount: usd('1.00'), receivedAt: yesterday(), allocations: [{ claimId: claim.id, amount: usd('1.00') }] })],
      ['a claim not adjudicated yet', 'allocations[0].claimId', async () => payerPayment([{ claimId: (await billing.submittedClaim({ payerId })).id, amount: usd('10.00') }])],
      ['a claim twice', 'allocations[1].claimId', async () => payerPayment([{ claimId: claim.id, amount: usd('5.00') }, { claimId: claim.id, amount: usd('5.00') }])],
      ['a payer payment without its payer', 'payerId', async () => payerPayment([{ claimId: claim.id, amount: usd('10.00') }], '10.00', { payerId: null })],
      ['a payer payment naming a patient', 'patientId', async () => payerPayment([{ claimId: claim.id, amount: usd('10.00') }], '10.00', { patientId: claim.patientId })],
      ['an unknown payer', 'payerId', async () => payerPayment([{ claimId: claim.id, amount: usd('10.00') }], '10.00', { payerId: randomUUID() })],
      ['money received in the future', 'receivedAt', async () => payerPayment([{ claimId: claim.id, amount: usd('10.00') }], '10.00', { receivedAt: new Date(Date.now() + 86400_000).toISOString() })],
    ];

    it.each(cases)('%s → %s', async (_name, field, input) => {
      const payment = await input();
      const before = await billing.ledgerCounts();
      expectError(await billing.recordPayment(payment), 'BAD_USER_INPUT', field);
      expect(await billing.ledgerCounts()).toEqual(before);
      expect(await claimOf(claim.id)).toMatchObject({ paid: { amount: '0.00' }, outstanding: { amount: '105.00' } });
    });

    it("answers another organization's claim like an unknown one: NOT_FOUND on allocations[i].claimId", async () => {
      const elsewhere = await insertOrganization(billing.db.url);
      const theirs = await billing.submitClaim(randomUUID(), billing.claimInput(await billing.newPatient([elsewhere])), staff('billing', elsewhere));
      const before = await billing.ledgerCounts();
      const response = await billing.recordPayment(payerPayment([{ claimId: claim.id, amount: usd('5.00') }, { claimId: theirs.data.submitClaim.claim.id, amount: usd('5.00') }]));
      expectError(response, 'NOT_FOUND', 'allocations[1].claimId');
      expect(await billing.ledgerCounts()).toEqual(before);
    });
  });

  describe('idempotency', () => {
    it('replays the same key with the same payment (allocations in any order), and refuses another payment under it', async () => {
      const payerId = await billing.insertPayer();
      const first = await adjudicatedClaim(payerId);
      const second = await adjudicatedClaim(payerId);
      const key = randomUUID();
      const input = { source: 'PAYER', payerId, amount: usd('30.00'), receivedAt: yesterday(), idempotencyKey: key, allocations: [{ claimId: first.id, amount: usd('10.00') }, { claimId: second.id, amount: usd('20.00') }] };
      const recorded = (await billing.recordPayment(input)).data.recordPayment;
      const before = await billing.ledgerCounts();
      const replay = await billing.recordPayment({ ...input, amount: usd('30'), allocations: [...input.allocations].reverse() });
      expect(replay.errors).toBeUndefined();
      expect(replay.data.recordPayment).toMatchObject({ replayed: true, payment: { id: recorded.payment.id } });
      expectError(await billing.recordPayment({ ...input, reference: 'another check' }), 'CONFLICT', 'idempotencyKey');
      expect(await billing.ledgerCounts()).toEqual(before);
      expect(await claimOf(first.id)).toMatchObject({ paid: { amount: '10.00' } });
    });

    it('records concurrent sends of one key once', async () => {
      const payerId = await billing.insertPayer();
      const { id } = await adjudicatedClaim(payerId);
      const input = { source: 'PAYER', payerId, amount: usd('5.00'), receivedAt: yesterday(), idempotencyKey: randomUUID(), allocations: [{ claimId: id, amount: usd('5.00') }] };
      const responses = await Promise.all(Array.from({ length: 5 }, () => billing.recordPayment(input)));
      expect(responses.map((response) => response.errors)).toEqual(responses.map(() => undefined));
      expect(new Set(responses.map((response) => response.data.recordPayment.payment.id)).size).toBe(1);
      expect(responses.filter((response) => !response.data.recordPayment.replayed)).toHaveLength(1);
      expect(await claimOf(id)).toMatchObject({ paid: { amount: '5.00' } });
    });
  });

  it('serializes payments on one claim: of two that together pay too much, the second is refused', async () => {
    const payerId = await billing.insertPayer();
    const { id } = await adjudicatedClaim(payerId);
    const holder = new Client({ connectionString: billing.db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from billing.claim where id = $1 for update', [id]);
      const pay = () => billing.recordPayment({ source: 'PAYER', payerId, amount: usd('50.00'), receivedAt: yesterday(), allocations: [{ claimId: id, amount: usd('50.00') }] });
      const racing = Promise.all([pay(), pay()]);
      await billing.lockWaiters(2);
      await holder.query('commit');
      const responses = await racing;
      expect(responses.filter((response) => !response.errors)).toHaveLength(1);
      expect(responses.find((response) => response.errors)!.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'allocations[0].amount' });
      expect(await claimOf(id)).toMatchObject({ paid: { amount: '50.00' }, payerOutstanding: { amount: '35.00' } });
    } finally {
      await holder.end();
    }
  });

  describe('who may record payments', () => {
    it('refuses clinicians, the patient and read-only partner apps (FORBIDDEN); lets partner apps with Claim.u record', async () => {
      const payerId = await billing.insertPayer();
      const { id, patientId } = await adjudicatedClaim(payerId);
      const input = { source: 'PAYER', payerId, amount: usd('1.00'), receivedAt: yesterday(), allocations: [{ claimId: id, amount: usd('1.00') }] };
      const before = await billing.ledgerCounts();
      for (const principal of [staff('physician', billing.organizationId), patientUser(patientId), partnerApp(billing.organizationId, ['system/Claim.read'])]) {
        expectError(await billing.recordPayment(input, principal), 'FORBIDDEN');
      }
      expect(await billing.ledgerCounts()).toEqual(before);
      const app = partnerApp(billing.organizationId, ['system/Claim.u']) as { clientId: string };
      const { payment } = (await billing.recordPayment(input, app as any)).data.recordPayment;
      expect(await billing.sql(`select recorded_by from billing.payment where id = $1`, [payment.id])).toEqual([{ recorded_by: `client:${app.clientId}` }]);
    });
  });

  it('keeps claim_daily_totals and claim_monthly_totals equal to a rebuild from the claims after a mix of writes', async () => {
    const payerId = await billing.insertPayer();
    const patientId = await billing.newPatient();
    const draft = (await billing.createClaim(billing.claimInput(patientId))).data.createClaim.id;
    await billing.transitionClaim(draft, 'SUBMITTED');
    const rejected = await billing.submittedClaim({ payerId, patientId });
    await billing.transitionClaim(rejected.id, 'REJECTED', 'Invalid member id');
    await billing.transitionClaim(rejected.id, 'CLOSED');
    const denied = await billing.submittedClaim({ payerId, patientId });
    await billing.adjudicateClaim({ claimId: denied.id, lines: [adjudicationLine(1, '0.00', '0.00', '0.00', CARC('CO-197', 'Precertification absent')), adjudicationLine(2, '0.00', '0.00', '0.00', CARC('CO-16', 'Missing information'))] });
    const paid = await adjudicatedClaim(payerId, patientId);
    await billing.recordPayment({ source: 'PAYER', payerId, amount: usd('85.00'), receivedAt: yesterday(), allocations: [{ claimId: paid.id, amount: usd('85.00') }] });
    await billing.recordPayment({ source: 'PATIENT', patientId, amount: usd('5.00'), receivedAt: yesterday(), allocations: [{ claimId: paid.id, amount: usd('5.00') }] });
    const closed = await adjudicatedClaim(payerId, patientId);
    await billing.transitionClaim(closed.id, 'CLOSED', 'Write-off approved');

    const SUMMARY = `select organization_id, payer_id, day, status, outcome, denial_reason_code, currency, claim_count, billed_minor_units, allowed_minor_units,
      paid_minor_units, payer_outstanding_minor_units, patient_outstanding_minor_units from billing.claim_daily_totals where claim_count <> 0 order by 1, 2, 3, 4, 5, 6, 7`;
    const MONTHLY = SUMMARY.replace(/\bday\b/, 'month').replace('claim_daily_totals', 'claim_monthly_totals');
    const maintained = await billing.sql(SUMMARY);
    const maintainedMonths = await billing.sql(MONTHLY);
    expect(maintainedMonths.length).toBeGreaterThan(0);
    expect(maintained.some((row) => row.denial_reason_code === 'CO-197' && row.status === 'adjudicated')).toBe(true);
    // what the trigger moved out of a group leaves it at zero in every column, not just the count
    expect(await billing.sql(`select count(*)::int as n from billing.claim_daily_totals where claim_count = 0 and (billed_minor_units, allowed_minor_units, paid_minor_units,
      payer_outstanding_minor_units, patient_outstanding_minor_units) <> (0, 0, 0, 0, 0)`)).toEqual([{ n: 0 }]);
    await billing.sql(`select billing.rebuild_claim_daily_totals()`);
    expect(await billing.sql(SUMMARY)).toEqual(maintained);
    expect(await billing.sql(MONTHLY)).toEqual(maintainedMonths);
  });
});
