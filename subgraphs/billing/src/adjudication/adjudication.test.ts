import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { adjudicationLine, CARC, expectError, usd, useBillingServices } from '../../../../test/support/billing-services';
import { insertOrganization, partnerApp, patientUser, staff } from '../../../../test/support/principals';

jest.setTimeout(120_000);

/**
 * Adjudication through the billing subgraph's GraphQL: the explanation of benefit and what it
 * does to the claim (outcome, totals, denial reason, status), the checks on its lines, and who
 * may record and read it.
 */
describe('billing: adjudication (explanation of benefit)', () => {
  const billing = useBillingServices('adjudication');

  it('adjudicates a SUBMITTED claim (no acknowledgement needed): the EOB, its lines, and the claim PAID with its totals', async () => {
    const payerId = await billing.insertPayer();
    const { id, patientId } = await billing.submittedClaim({ payerId });
    const eob = await billing.adjudicated(id, adjudicationLine(2, '25.00', '25.00', '0.00'));
    expect(eob).toMatchObject({
      outcome: 'PAID', submitted: usd('125.00'), allowed: { amount: '105.00' }, payerAmount: { amount: '85.00' }, patientResponsibility: { amount: '20.00' },
      payer: { id: payerId }, patient: { id: patientId }, provider: { id: billing.organizationId },
      lines: [
        { sequence: 1, submitted: { amount: '100.00' }, allowed: { amount: '80.00' }, payerAmount: { amount: '60.00' }, patientResponsibility: { amount: '20.00' }, denialReason: null },
        { sequence: 2, submitted: { amount: '25.00' }, allowed: { amount: '25.00' }, payerAmount: { amount: '25.00' }, patientResponsibility: { amount: '0.00' }, denialReason: null },
      ],
    });
    expect(eob.claim).toMatchObject({
      status: 'ADJUDICATED', outcome: 'PAID', adjudicatedAt: eob.createdAt, denialReason: null,
      allowed: { amount: '105.00' }, payerAmount: { amount: '85.00' }, patientResponsibility: { amount: '20.00' }, paid: { amount: '0.00' },
      payerOutstanding: { amount: '85.00' }, patientOutstanding: { amount: '20.00' }, outstanding: { amount: '105.00' },
    });
    expect(eob.claim.transitions.at(-1)).toMatchObject({ from: 'SUBMITTED', to: 'ADJUDICATED', at: eob.createdAt, actorKind: 'USER', actorId: billing.clerk.userId });
    const { claim } = await billing.graphqlOk(`query ($id: ID!) { claim(id: $id) { explanationOfBenefit { id outcome } } }`, { id });
    expect(claim.explanationOfBenefit).toEqual({ id: eob.id, outcome: 'PAID' });
    expect(await billing.sql(`select outcome, allowed_minor_units, payer_amount_minor_units, patient_responsibility_minor_units, submitted_minor_units from billing.explanation_of_benefit where claim_id = $1`, [id]))
      .toEqual([{ outcome: 'paid', allowed_minor_units: '10500', payer_amount_minor_units: '8500', patient_responsibility_minor_units: '2000', submitted_minor_units: '12500' }]);
  });

  it('makes a claim PARTIALLY_PAID when some lines are denied, with the denied line\'s reason on the claim', async () => {
    const { id } = await billing.submittedClaim();
    await billing.transitionClaim(id, 'ACCEPTED');
    const eob = await billing.adjudicated(id, adjudicationLine(2, '0.00', '0.00', '0.00', CARC('CO-50', 'Not medically necessary')));
    expect(eob.outcome).toBe('PARTIALLY_PAID');
    expect(eob.claim).toMatchObject({ outcome: 'PARTIALLY_PAID', denialReason: { code: 'CO-50', display: 'Not medically necessary' }, allowed: { amount: '80.00' }, payerOutstanding: { amount: '60.00' } });
    expect(eob.claim.transitions.at(-1)).toMatchObject({ from: 'ACCEPTED', to: 'ADJUDICATED' });
    expect(eob.lines[1].denialReason).toEqual(CARC('CO-50', 'Not medically necessary'));
  });

  it('makes a claim DENIED when every line is, owing nothing; the first denied line names the reason', async () => {
    const { id } = await billing.submittedClaim();
    const response = await billing.adjudicateClaim({
      claimId: id,
      lines: [adjudicationLine(2, '0.00', '0.00', '0.00', CARC('CO-16', 'Missing information')), adjudicationLine(1, '0.00', '0.00', '0.00', CARC('CO-197', 'Precertification absent'))],
    });
    expect(response.errors).toBeUndefined();
    expect(response.data.adjudicateClaim.claim).toMatchObject({
      status: 'ADJUDICATED', outcome: 'DENIED', denialReason: { code: 'CO-197', display: 'Precertification absent' },
      allowed: { amount: '0.00' }, payerAmount: { amount: '0.00' }, outstanding: { amount: '0.00' },
    });
    expect(response.data.adjudicateClaim.lines.map((line: any) => line.sequence)).toEqual([1, 2]);
  });

  it('keeps a reduced but paid claim PAID, with the reduction\'s reason as its denial reason', async () => {
    const { id } = await billing.submittedClaim();
    const eob = await billing.adjudicated(id, adjudicationLine(2, '20.00', '20.00', '0.00', CARC('CO-45', 'Charge exceeds fee schedule')));
    expect(eob.claim).toMatchObject({ outcome: 'PAID', denialReason: { code: 'CO-45' } });
  });

  it('takes the adjudication date given, neither in the future nor before the submission', async () => {
    const { id } = await billing.submittedClaim();
    const lines = [adjudicationLine(1, '80.00', '60.00', '20.00'), adjudicationLine(2, '25.00', '25.00', '0.00')];
    const before = await billing.ledgerCounts();
    expectError(await billing.adjudicateClaim({ claimId: id, adjudicatedAt: new Date(Date.now() + 3600_000).toISOString(), lines }), 'BAD_USER_INPUT', 'adjudicatedAt');
    expectError(await billing.adjudicateClaim({ claimId: id, adjudicatedAt: '2020-01-01T00:00:00.000Z', lines }), 'BAD_USER_INPUT', 'adjudicatedAt');
    expect(await billing.ledgerCounts()).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const at = new Date(Date.now() - 20).toISOString();
    const eob = (await billing.adjudicateClaim({ claimId: id, adjudicatedAt: at, lines })).data.adjudicateClaim;
    expect(eob).toMatchObject({ createdAt: at, claim: { adjudicatedAt: at } });
  });

  describe('bad lines: the field at fault, nothing written', () => {
    const line1 = adjudicationLine(1, '80.00', '60.00', '20.00');
    const line2 = adjudicationLine(2, '25.00', '25.00', '0.00');
    const cases: [string, string, unknown[]][] = [
      ['more allowed than the line bills', 'lines[0].allowed.amount', [adjudicationLine(1, '100.01', '100.01', '0.00'), line2]],
      ['payer and patient shares that do not make up allowed', 'lines[0].patientResponsibility.amount', [adjudicationLine(1, '80.00', '60.00', '19.99'), line2]],
      ['a denied line without a reason', 'lines[1].denialReason', [line1, adjudicationLine(2, '0.00', '0.00', '0.00')]],
      ['a reason on a line paid in full', 'lines[1].denialReason', [line1, adjudicationLine(2, '25.00', '25.00', '0.00', CARC('CO-45', 'Charge exceeds fee schedule'))]],
      ['a claim line left out', 'lines', [line1]],
      ['a line adjudicated twice', 'lines[1].sequence', [line1, line1, line2]],
      ['a line the claim does not have', 'lines[2].sequence', [line1, line2, adjudicationLine(3, '1.00', '1.00', '0.00')]],
      ['a negative amount', 'lines[0].payerAmount.amount', [adjudicationLine(1, '80.00', '-60.00', '140.00'), line2]],
      ['a non-numeric amount', 'lines[0].allowed.amount', [adjudicationLine(1, 'eighty', '60.00', '20.00'), line2]],
      ['another currency than the claim\'s', 'lines[0].allowed.currency', [{ ...line1, allowed: { amount: '80.00', currency: 'EUR' } }, line2]],
      ['an unknown currency', 'lines[0].payerAmount.currency', [{ ...line1, payerAmount: { amount: '60.00', currency: 'ABC' } }, line2]],
    ];

    it.each(cases)('%s → %s', async (_name, field, lines) => {
      const { id } = await billing.submittedClaim();
      const before = await billing.ledgerCounts();
      expectError(await billing.adjudicateClaim({ claimId: id, lines }), 'BAD_USER_INPUT', field);
      expect(await billing.ledgerCounts()).toEqual(before);
    });
  });

  it.each(['DRAFT', 'REJECTED', 'CLOSED', 'ADJUDICATED'])('refuses to adjudicate a %s claim (claimId)', async (status) => {
    const patientId = await billing.newPatient();
    const id = status === 'DRAFT'
      ? (await billing.createClaim(billing.claimInput(patientId))).data.createClaim.id
      : (await billing.submittedClaim({ patientId })).id;
    if (status === 'REJECTED' || status === 'CLOSED') await billing.transitionClaim(id, 'REJECTED', 'Duplicate');
    if (status === 'CLOSED') await billing.transitionClaim(id, 'CLOSED');
    if (status === 'ADJUDICATED') await billing.adjudicated(id);
    const before = await billing.ledgerCounts();
    const response = await billing.adjudicateClaim({ claimId: id, lines: [adjudicationLine(1, '80.00', '60.00', '20.00'), adjudicationLine(2, '25.00', '25.00', '0.00')] });
    expectError(response, 'BAD_USER_INPUT', 'claimId');
    expect(response.errors![0].message).toContain('Only SUBMITTED or ACCEPTED claims are adjudicated');
    expect(await billing.ledgerCounts()).toEqual(before);
  });

  it('records one of two concurrent adjudications; the other finds the claim ADJUDICATED', async () => {
    const { id } = await billing.submittedClaim();
    const holder = new Client({ connectionString: billing.db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from billing.claim where id = $1 for update', [id]);
      const lines = [adjudicationLine(1, '80.00', '60.00', '20.00'), adjudicationLine(2, '25.00', '25.00', '0.00')];
      const racing = Promise.all([billing.adjudicateClaim({ claimId: id, lines }), billing.adjudicateClaim({ claimId: id, lines })]);
      await billing.lockWaiters(2);
      await holder.query('commit');
      const responses = await racing;
      expect(responses.filter((response) => !response.errors)).toHaveLength(1);
      expect(responses.find((response) => response.errors)!.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'claimId' });
      expect(await billing.sql(`select count(*)::int as n from billing.explanation_of_benefit where claim_id = $1`, [id])).toEqual([{ n: 1 }]);
    } finally {
      await holder.end();
    }
  });

  describe('who may record and read it', () => {
    const lines = [adjudicationLine(1, '80.00', '60.00', '20.00'), adjudicationLine(2, '25.00', '25.00', '0.00')];
    const EOBS = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
      explanationsOfBenefit(first: 2, after: $after) { totalCount edges { node { id createdAt claim { id } } } pageInfo { hasNextPage endCursor } } } } }`.replace('query ($id: ID!)', 'query ($id: ID!, $after: String)');

    it('refuses clinicians and the patient (FORBIDDEN), and answers another organization NOT_FOUND', async () => {
      const { id, patientId } = await billing.submittedClaim();
      const before = await billing.ledgerCounts();
      for (const principal of [staff('physician', billing.organizationId), patientUser(patientId), partnerApp(billing.organizationId, ['system/Claim.read', 'system/ExplanationOfBenefit.read'])]) {
        expectError(await billing.adjudicateClaim({ claimId: id, lines }, principal), 'FORBIDDEN');
      }
      expectError(await billing.adjudicateClaim({ claimId: id, lines }, staff('billing', await insertOrganization(billing.db.url))), 'NOT_FOUND', 'claimId');
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it('lists a patient\'s explanations of benefit newest first, for the patient and the billing organization only', async () => {
      const patientId = await billing.newPatient();
      const claims = [await billing.submittedClaim({ patientId }), await billing.submittedClaim({ patientId }), await billing.submittedClaim({ patientId })];
      await new Promise((resolve) => setTimeout(resolve, 100));
      // adjudicated in another order than submitted, all after the last submission
      const ids: string[] = [];
      const now = Date.now();
      for (const [index, ago] of [30, 10, 20].entries()) {
        const adjudicatedAt = new Date(now - ago).toISOString();
        ids.push((await billing.adjudicateClaim({ claimId: claims[index].id, adjudicatedAt, lines })).data.adjudicateClaim.id);
      }
      const pages = async (principal = billing.clerk as any) => {
        const first = (await billing.graphqlOk(EOBS, { id: patientId }, principal))._entities[0].explanationsOfBenefit;
        if (!first) return null;
        const second = (await billing.graphqlOk(EOBS, { id: patientId, after: first.pageInfo.endCursor }, principal))._entities[0].explanationsOfBenefit;
        return { totalCount: first.totalCount, ids: [...first.edges, ...second.edges].map((edge: any) => edge.node.id), more: second.pageInfo.hasNextPage };
      };
      const newestFirst = { totalCount: 3, ids: [ids[1], ids[2], ids[0]], more: false };
      expect(await pages()).toEqual(newestFirst);
      expect(await pages(patientUser(patientId))).toEqual(newestFirst);
      expect(await pages(partnerApp(billing.organizationId, ['system/ExplanationOfBenefit.read']))).toEqual(newestFirst);
      // a partner app that reads claims only, clinicians, other patients: nothing
      expect(await pages(partnerApp(billing.organizationId, ['system/Claim.read']))).toBeNull();
      expect(await pages(staff('physician', billing.organizationId))).toBeNull();
      expect(await pages(patientUser(await billing.newPatient()))).toBeNull();
      // the clerk's two pages: one read row each (the page's claims with it)
      const audit = await billing.sql(`select outcome, purpose, record_types from audit.event
        where service = 'billing' and action = 'read' and patient_id = $1 and actor_id = $2 and 'ExplanationOfBenefit' = any(record_types) order by id`, [patientId, billing.clerk.userId]);
      expect(audit).toEqual(Array(2).fill({ outcome: 'success', purpose: 'payment', record_types: ['Claim', 'ExplanationOfBenefit'] }));
    });

    it('shows Claim.explanationOfBenefit to partner apps with an ExplanationOfBenefit read scope only', async () => {
      const { id } = await billing.submittedClaim();
      const eob = await billing.adjudicated(id);
      const QUERY = `query ($id: ID!) { claim(id: $id) { id explanationOfBenefit { id } } }`;
      expect((await billing.graphqlOk(QUERY, { id }, partnerApp(billing.organizationId, ['system/Claim.read']))).claim).toEqual({ id, explanationOfBenefit: null });
      expect((await billing.graphqlOk(QUERY, { id }, partnerApp(billing.organizationId, ['system/Claim.read', 'system/ExplanationOfBenefit.read']))).claim)
        .toEqual({ id, explanationOfBenefit: { id: eob.id } });
    });

    it('audits the adjudication as a write of the patient\'s ExplanationOfBenefit', async () => {
      const clerk = staff('billing', billing.organizationId);
      const { id, patientId } = await billing.submittedClaim();
      const eob = (await billing.adjudicateClaim({ claimId: id, lines: [adjudicationLine(1, '0.00', '0.00', '0.00', CARC('CO-50', 'Not medically necessary')), adjudicationLine(2, '25.00', '25.00', '0.00')] }, clerk)).data.adjudicateClaim;
      expect(await billing.auditWrites(clerk.userId)).toEqual([{
        patient_id: patientId, record_types: ['ExplanationOfBenefit'], purpose: 'payment', outcome: 'success',
        detail: { operation: 'adjudicate', claimId: id, explanationOfBenefitId: eob.id, outcome: 'partially-paid' },
      }]);
    });

    it('answers an unknown claim with NOT_FOUND', async () => {
      expectError(await billing.adjudicateClaim({ claimId: randomUUID(), lines }), 'NOT_FOUND', 'claimId');
    });
  });
});
