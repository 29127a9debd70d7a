import { randomUUID } from 'node:crypto';
import type { Principal } from '@caregraph/platform';
import { Client } from 'pg';
import { expectError, usd, useBillingServices } from '../../../../test/support/billing-services';
import { insertConsent, insertOrganization, partnerApp, patientUser, staff } from '../../../../test/support/principals';
import { payloadHash } from '../idempotency/idempotency';
import type { ClaimInput } from './claim-write.inputs';
import { checkClaimInput } from './claim-write.service';

jest.setTimeout(120_000);

/**
 * The claim lifecycle through the billing subgraph's GraphQL, on a real database: createClaim,
 * submitClaim (idempotent), transitionClaim; each move validated and recorded (who, when, from,
 * to); bad input naming the field and writing nothing; who may write.
 */
describe('billing: the claim lifecycle', () => {
  const billing = useBillingServices('claim_lifecycle');

  /** A claim of the clerk's organization in `status`, reached through the mutations. */
  async function claimIn(status: string): Promise<string> {
    if (status === 'DRAFT') return (await billing.createClaim(billing.claimInput(await billing.newPatient()))).data.createClaim.id;
    const { id } = await billing.submittedClaim();
    const moves: Record<string, () => Promise<unknown>> = {
      SUBMITTED: async () => undefined,
      ACCEPTED: () => billing.transitionClaim(id, 'ACCEPTED'),
      REJECTED: () => billing.transitionClaim(id, 'REJECTED', 'Missing NPI'),
      ADJUDICATED: () => billing.adjudicated(id),
      CLOSED: async () => {
        await billing.transitionClaim(id, 'REJECTED', 'Duplicate');
        await billing.transitionClaim(id, 'CLOSED');
      },
    };
    await moves[status]();
    const { claim } = await billing.graphqlOk(`query ($id: ID!) { claim(id: $id) { status } }`, { id });
    expect(claim.status).toBe(status);
    return id;
  }

  describe('createClaim', () => {
    it("creates a DRAFT billed by the caller's organization, with exact money, the coverage's payer and its first transition", async () => {
      const patientId = await billing.newPatient();
      const payerId = await billing.insertPayer('Aetna Test');
      const coverageId = await billing.insertCoverage(patientId, payerId);
      const encounterId = randomUUID();
      const conditionId = randomUUID();
      const before = Date.now();
      const response = await billing.createClaim(billing.claimInput(patientId, {
        coverageId, encounterId,
        diagnoses: [
          { sequence: 2, conditionId },
          { sequence: 1, code: { system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' } },
        ],
        items: [
          { sequence: 2, productOrService: { system: 'http://hl7.org/fhir/sid/cvx', code: '140' }, quantity: '2.5', unitPrice: { amount: '10.01', currency: 'USD' }, net: { amount: '25.03', currency: 'USD' } },
          { sequence: 1, productOrService: { system: 'http://www.ama-assn.org/go/cpt', code: '99213' }, net: { amount: '99.97', currency: 'USD' } },
        ],
        total: { amount: '125', currency: 'USD' },
      }));
      expect(response.errors).toBeUndefined();
      const claim = response.data.createClaim;
      expect(claim).toMatchObject({
        status: 'DRAFT', typeCode: 'professional', outcome: null, submittedAt: null, adjudicatedAt: null, closedAt: null,
        total: { amount: '125.00', currency: 'USD' }, allowed: null, payerAmount: null, patientResponsibility: null,
        paid: { amount: '0.00', currency: 'USD' }, outstanding: { amount: '0.00', currency: 'USD' },
        payer: { id: payerId, name: 'Aetna Test' }, coverage: { id: coverageId }, patient: { id: patientId },
        provider: { id: billing.organizationId }, encounter: { id: encounterId },
        diagnoses: [
          { sequence: 1, code: { system: 'http://snomed.info/sct', code: '44054006' }, conditionId: null },
          { sequence: 2, code: null, conditionId },
        ],
        items: [
          { sequence: 1, quantity: null, unitPrice: null, net: { amount: '99.97', currency: 'USD' } },
          // 2.5 × 10.01 = 25.025, rounded half up
          { sequence: 2, quantity: 2.5, unitPrice: { amount: '10.01', currency: 'USD' }, net: { amount: '25.03', currency: 'USD' } },
        ],
      });
      expect(claim.transitions).toEqual([{ from: null, to: 'DRAFT', at: expect.any(String), actorKind: 'USER', actorId: billing.clerk.userId, reason: null }]);
      expect(Date.parse(claim.transitions[0].at)).toBeGreaterThanOrEqual(before - 1000);
      const [row] = await billing.sql(`select total_minor_units, currency, payer_id, provider_organization_id, items from billing.claim where id = $1`, [claim.id]);
      expect(row).toMatchObject({ total_minor_units: '12500', currency: 'USD', payer_id: payerId, provider_organization_id: billing.organizationId });
      expect(row.items.map((item: any) => item.net.minorUnits)).toEqual([9997, 2503]);
    });

    it('leaves the payer empty without a coverage (self-pay)', async () => {
      const { createClaim } = (await billing.createClaim(billing.claimInput(await billing.newPatient()))).data;
      expect(createClaim).toMatchObject({ payer: null, coverage: null, status: 'DRAFT' });
    });
  });

  describe('submitClaim', () => {
    it('creates the claim SUBMITTED in one step: submittedAt set, one transition from nothing to SUBMITTED', async () => {
      const patientId = await billing.newPatient();
      const response = await billing.submitClaim(randomUUID(), billing.claimInput(patientId));
      expect(response.errors).toBeUndefined();
      const { replayed, claim } = response.data.submitClaim;
      expect(replayed).toBe(false);
      expect(claim).toMatchObject({ status: 'SUBMITTED', submittedAt: expect.any(String), outstanding: { amount: '125.00' }, payerOutstanding: { amount: '125.00' }, patientOutstanding: { amount: '0.00' } });
      expect(claim.transitions).toEqual([{ from: null, to: 'SUBMITTED', at: claim.submittedAt, actorKind: 'USER', actorId: billing.clerk.userId, reason: null }]);
    });

    it('replays the same key with the same claim (however it is written) and writes nothing new', async () => {
      const patientId = await billing.newPatient();
      const key = randomUUID();
      const input = billing.claimInput(patientId);
      const first = (await billing.submitClaim(key, input)).data.submitClaim;
      const before = await billing.ledgerCounts();
      // the same claim: amounts without trailing zeros, lines in another order
      const rewritten = { ...input, total: { amount: '125', currency: 'USD' }, items: [{ ...input.items[1], net: { amount: '25', currency: 'USD' } }, input.items[0]] };
      for (const again of [input, rewritten]) {
        const replay = await billing.submitClaim(key, again);
        expect(replay.errors).toBeUndefined();
        expect(replay.data.submitClaim).toEqual({ replayed: true, claim: first.claim });
      }
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it('refuses the same key with another claim: CONFLICT on idempotencyKey, nothing written', async () => {
      const patientId = await billing.newPatient();
      const key = randomUUID();
      await billing.submitClaim(key, billing.claimInput(patientId));
      const before = await billing.ledgerCounts();
      const other = billing.claimInput(patientId, { typeCode: 'institutional' });
      expectError(await billing.submitClaim(key, other), 'CONFLICT', 'idempotencyKey');
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it("keeps keys per organization: another organization's clerk may use the same key", async () => {
      const elsewhere = await insertOrganization(billing.db.url);
      const theirClerk = staff('billing', elsewhere);
      const key = randomUUID();
      const ours = (await billing.submitClaim(key, billing.claimInput(await billing.newPatient()))).data.submitClaim;
      const theirs = (await billing.submitClaim(key, billing.claimInput(await billing.newPatient([elsewhere])), theirClerk)).data.submitClaim;
      expect(theirs.replayed).toBe(false);
      expect(theirs.claim.id).not.toBe(ours.claim.id);
    });

    it('ends concurrent submissions with one key in one claim; the others replay it', async () => {
      const patientId = await billing.newPatient();
      const key = randomUUID();
      const input = billing.claimInput(patientId);
      const responses = await Promise.all(Array.from({ length: 6 }, () => billing.submitClaim(key, input)));
      expect(responses.map((response) => response.errors)).toEqual(responses.map(() => undefined));
      const results = responses.map((response) => response.data.submitClaim);
      expect(new Set(results.map((result) => result.claim.id)).size).toBe(1);
      expect(results.filter((result) => !result.replayed)).toHaveLength(1);
      const rows = await billing.sql(`select id from billing.claim where idempotency_key = $1`, [key]);
      expect(rows).toEqual([{ id: results[0].claim.id }]);
      expect(await billing.sql(`select count(*)::int as n from billing.claim_transition where claim_id = $1`, [rows[0].id])).toEqual([{ n: 1 }]);
    });

    it('replays the winner when a submission loses the race on the key (the unique index), and refuses another claim under it', async () => {
      const patientId = await billing.newPatient();
      const key = randomUUID();
      const input = billing.claimInput(patientId);
      // what submitClaim stores for this claim: the winner below holds the same key and hash
      const normalized = checkClaimInput({ ...input, billablePeriod: { start: new Date(input.billablePeriod.start), end: new Date(input.billablePeriod.end) } } as ClaimInput, 'claim.', new Date());
      const winnerId = randomUUID();
      const holder = new Client({ connectionString: billing.db.url });
      await holder.connect();
      try {
        // the winner has inserted and not committed yet: the requests find nothing under the key and wait on the index
        await holder.query('begin');
        await holder.query(`insert into billing.claim (id, patient_id, provider_organization_id, status, type_code, created_at, submitted_at, total_minor_units, currency, idempotency_key, payload_hash)
          values ($1, $2, $3, 'submitted', 'professional', now(), now(), 12500, 'USD', $4, $5)`, [winnerId, patientId, billing.organizationId, key, payloadHash(normalized)]);
        const racing = Promise.all([billing.submitClaim(key, input), billing.submitClaim(key, input), billing.submitClaim(key, { ...input, typeCode: 'institutional' })]);
        await billing.lockWaiters(3);
        await holder.query('commit');
        const [same, again, other] = await racing;
        expect(same.data.submitClaim).toMatchObject({ replayed: true, claim: { id: winnerId } });
        expect(again.data.submitClaim).toMatchObject({ replayed: true, claim: { id: winnerId } });
        expectError(other, 'CONFLICT', 'idempotencyKey');
        expect(await billing.sql(`select id from billing.claim where idempotency_key = $1`, [key])).toEqual([{ id: winnerId }]);
      } finally {
        await holder.end();
      }
    });
  });

  describe('transitionClaim', () => {
    const STATUSES = ['DRAFT', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'ADJUDICATED', 'CLOSED'];
    const ALLOWED: Record<string, string[]> = { DRAFT: ['SUBMITTED'], SUBMITTED: ['ACCEPTED', 'REJECTED'], REJECTED: ['CLOSED'], ADJUDICATED: ['CLOSED'], ACCEPTED: [], CLOSED: [] };
    const cases = STATUSES.flatMap((from) => STATUSES.map((to) => ({ from, to, allowed: ALLOWED[from].includes(to) })));

    it.each(cases)('$from → $to: allowed $allowed', async ({ from, to, allowed }) => {
      const id = await claimIn(from);
      const before = await billing.ledgerCounts();
      const response = await billing.transitionClaim(id, to, 'Checked by the payer portal');
      if (!allowed) {
        expectError(response, 'BAD_USER_INPUT', 'to');
        const targets = ALLOWED[from].length ? `allowed: ${ALLOWED[from].join(', ')}` : 'it can move nowhere';
        expect(response.errors![0].message).toContain(targets);
        expect(await billing.ledgerCounts()).toEqual(before);
        return;
      }
      expect(response.errors).toBeUndefined();
      const claim = response.data.transitionClaim;
      expect(claim.status).toBe(to);
      const last = claim.transitions.at(-1);
      expect(last).toMatchObject({ from, to, actorKind: 'USER', actorId: billing.clerk.userId, reason: expect.stringContaining('Checked by the payer portal') });
      expect(Math.abs(Date.parse(last.at) - Date.now())).toBeLessThan(60_000);
      if (to === 'SUBMITTED') expect(claim.submittedAt).toBe(last.at);
      if (to === 'CLOSED') expect(claim.closedAt).toBe(last.at);
      expect(await billing.ledgerCounts()).toEqual({ ...before, claim_transition: before.claim_transition + 1, auditWrites: before.auditWrites + 1 });
    });

    it('records every step of a claim in order: who, when, from, to, why', async () => {
      const id = await claimIn('DRAFT');
      const app = partnerApp(billing.organizationId, ['system/Claim.write']);
      await billing.transitionClaim(id, 'SUBMITTED');
      await billing.transitionClaim(id, 'REJECTED', 'Invalid member id', app);
      const { claim } = await billing.graphqlOk(`query ($id: ID!) { claim(id: $id) { transitions { from to at actorKind actorId reason } } }`, { id });
      expect(claim.transitions).toEqual([
        { from: null, to: 'DRAFT', at: expect.any(String), actorKind: 'USER', actorId: billing.clerk.userId, reason: null },
        { from: 'DRAFT', to: 'SUBMITTED', at: expect.any(String), actorKind: 'USER', actorId: billing.clerk.userId, reason: null },
        { from: 'SUBMITTED', to: 'REJECTED', at: expect.any(String), actorKind: 'CLIENT', actorId: (app as { clientId: string }).clientId, reason: 'Invalid member id' },
      ]);
      const times = claim.transitions.map((transition: any) => Date.parse(transition.at));
      expect(times).toEqual([...times].sort());
    });

    it('needs a reason to reject', async () => {
      const id = await claimIn('SUBMITTED');
      const before = await billing.ledgerCounts();
      expectError(await billing.transitionClaim(id, 'REJECTED'), 'BAD_USER_INPUT', 'reason');
      expectError(await billing.transitionClaim(id, 'REJECTED', '   '), 'BAD_USER_INPUT', 'reason');
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it('closes an adjudicated claim by writing off what is still owed, and says so', async () => {
      const id = await claimIn('ADJUDICATED');
      // adjudicated: payer owes 60.00 + 25.00, the patient 20.00
      const closed = (await billing.transitionClaim(id, 'CLOSED', 'Small balance')).data.transitionClaim;
      expect(closed).toMatchObject({ status: 'CLOSED', outstanding: { amount: '0.00' }, payerOutstanding: { amount: '0.00' }, patientOutstanding: { amount: '0.00' }, outcome: 'PAID' });
      expect(closed.transitions.at(-1)).toMatchObject({ from: 'ADJUDICATED', to: 'CLOSED', reason: 'Small balance; wrote off 105.00 USD still owed (payer 85.00, patient 20.00)' });
    });

    it('lets one of two concurrent moves win; the other is judged on the status it left', async () => {
      const id = await claimIn('SUBMITTED');
      // hold the claim's row, so both requests queue behind the lock and then run one after the other
      const holder = new Client({ connectionString: billing.db.url });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('select 1 from billing.claim where id = $1 for update', [id]);
        const racing = Promise.all([billing.transitionClaim(id, 'ACCEPTED'), billing.transitionClaim(id, 'REJECTED', 'Duplicate')]);
        await billing.lockWaiters(2);
        await holder.query('commit');
        const responses = await racing;
        const won = responses.filter((response) => !response.errors);
        const lost = responses.filter((response) => response.errors);
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        const winner = won[0].data.transitionClaim.status;
        expect(lost[0].errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
        expect(lost[0].errors![0].message).toContain(`A ${winner} claim cannot move`);
        const rows = await billing.sql(`select from_status, to_status from billing.claim_transition where claim_id = $1 order by id`, [id]);
        expect(rows).toEqual([{ from_status: null, to_status: 'submitted' }, { from_status: 'submitted', to_status: winner.toLowerCase() }]);
      } finally {
        await holder.end();
      }
    });

    it('answers an unknown claim id like a hidden one: NOT_FOUND on claimId', async () => {
      expectError(await billing.transitionClaim(randomUUID(), 'ACCEPTED'), 'NOT_FOUND', 'claimId');
    });
  });

  describe('bad input: the field at fault, nothing written', () => {
      const line = (sequence: number, net: unknown, extra: Record<string, unknown> = {}) => ({ sequence, productOrService: { system: 'http://www.ama-assn.org/go/cpt', code: '99213' }, net, ...extra });
    const inFuture = new Date(Date.now() + 86400_000).toISOString();
    const cases: [string, string, (input: Record<string, any>) => Record<string, unknown>][] = [
      ['a negative line', 'claim.items[0].net.amount', () => ({ items: [line(1, usd('-5.00')), line(2, usd('130.00'))] })],
      ['a non-numeric amount', 'claim.items[1].net.amount', () => ({ items: [line(1, usd('100.00')), line(2, usd('twenty-five'))] })],
      ['an amount with an exponent', 'claim.total.amount', () => ({ total: usd('1.25e2') })],
      ['more decimals than the currency has', 'claim.total.amount', () => ({ total: usd('125.001') })],
      ['an unknown currency', 'claim.total.currency', () => ({ total: { amount: '125.00', currency: 'XYZ' } })],
      ['a lower-case currency', 'claim.total.currency', () => ({ total: { amount: '125.00', currency: 'usd' } })],
      ['a line in another currency', 'claim.items[0].net.currency', (input) => ({ items: [{ ...input.items[0], net: { amount: '100.00', currency: 'EUR' } }, input.items[1]] })],
      ['lines that do not sum to the total', 'claim.total.amount', () => ({ total: usd('125.01') })],
      ['a zero total', 'claim.total.amount', () => ({ items: [line(1, usd('0.00'))], total: usd('0.00') })],
      ['net other than quantity × unitPrice', 'claim.items[1].net.amount', (input) => ({ items: [input.items[0], { ...input.items[1], quantity: '3' }] })],
      ['a zero quantity', 'claim.items[1].quantity', (input) => ({ items: [input.items[0], { ...input.items[1], quantity: '0' }] })],
      ['a quantity that is not a decimal', 'claim.items[1].quantity', (input) => ({ items: [input.items[0], { ...input.items[1], quantity: '2 boxes' }] })],
      ['a repeated line sequence', 'claim.items[1].sequence', (input) => ({ items: [input.items[0], { ...input.items[1], sequence: 1 }] })],
      ['a product without its code system', 'claim.items[1].productOrService.system', (input) => ({ items: [input.items[0], { ...input.items[1], productOrService: { code: '140' } }] })],
      ['no lines', 'claim.items', () => ({ items: [] })],
      ['a diagnosis outside ICD-10-CM and SNOMED CT', 'claim.diagnoses[0].code.system', () => ({ diagnoses: [{ sequence: 1, code: { system: 'http://hl7.org/fhir/sid/icd-9-cm', code: '250.00' } }] })],
      ['a malformed ICD-10-CM code', 'claim.diagnoses[0].code.code', () => ({ diagnoses: [{ sequence: 1, code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'diabetes' } }] })],
      ['a diagnosis with both a code and a condition', 'claim.diagnoses[0].code', () => ({ diagnoses: [{ sequence: 1, conditionId: randomUUID(), code: { system: 'http://snomed.info/sct', code: '44054006' } }] })],
      ['an unknown claim type', 'claim.typeCode', () => ({ typeCode: 'dental' })],
      ['a service starting in the future', 'claim.billablePeriod.start', () => ({ billablePeriod: { start: inFuture } })],
      ['a period ending before it starts', 'claim.billablePeriod.end', () => ({ billablePeriod: { start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' } })],
    ];

    it.each(cases)('%s → %s', async (_name, field, change) => {
      const input = billing.claimInput(await billing.newPatient());
      const before = await billing.ledgerCounts();
      const response = await billing.submitClaim(randomUUID(), { ...input, ...change(input) });
      expectError(response, 'BAD_USER_INPUT', field);
      expect(response.errors![0].message).not.toContain('twenty-five');
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it('names fields from the input itself on createClaim (no claim. prefix)', async () => {
      const input = billing.claimInput(await billing.newPatient());
      expectError(await billing.createClaim({ ...input, total: usd('1.00') }), 'BAD_USER_INPUT', 'total.amount');
    });

    it('refuses a malformed idempotency key', async () => {
      expectError(await billing.submitClaim('two words', billing.claimInput(await billing.newPatient())), 'BAD_USER_INPUT', 'idempotencyKey');
    });

    it("refuses another patient's coverage, an inactive one and one that does not cover the service", async () => {
      const patientId = await billing.newPatient();
      const payerId = await billing.insertPayer();
      const others = await billing.insertCoverage(await billing.newPatient(), payerId);
      const cancelled = await billing.insertCoverage(patientId, payerId, { status: 'cancelled' });
      const ended = await billing.insertCoverage(patientId, payerId, { period_start: '2020-01-01T00:00:00Z', period_end: '2021-01-01T00:00:00Z' });
      const before = await billing.ledgerCounts();
      for (const coverageId of [others, cancelled, ended, randomUUID()]) {
        expectError(await billing.submitClaim(randomUUID(), billing.claimInput(patientId, { coverageId })), 'BAD_USER_INPUT', 'claim.coverageId');
      }
      expect(await billing.ledgerCounts()).toEqual(before);
    });
  });

  describe('who may write', () => {
    const CLAIM = `query ($id: ID!) { claim(id: $id) { id status transitions { to } } }`;

    it('refuses clinicians, org admins and the patient (FORBIDDEN), writing nothing but the refusal to the audit log', async () => {
      const { id, patientId } = await billing.submittedClaim();
      const refused: Principal[] = [staff('physician', billing.organizationId), staff('nurse', billing.organizationId), staff('org_admin', billing.organizationId), patientUser(patientId)];
      const before = await billing.ledgerCounts();
      for (const principal of refused) {
        expectError(await billing.createClaim(billing.claimInput(patientId), principal), 'FORBIDDEN');
        expectError(await billing.submitClaim(randomUUID(), billing.claimInput(patientId), principal), 'FORBIDDEN');
        expectError(await billing.transitionClaim(id, 'ACCEPTED', undefined, principal), 'FORBIDDEN');
      }
      expect(await billing.ledgerCounts()).toEqual(before);
      const physician = refused[0] as { userId: string };
      const denials = await billing.sql(`select action, outcome from audit.event where service = 'billing' and actor_id = $1`, [physician.userId]);
      expect(denials).toEqual(Array(3).fill({ action: 'write', outcome: 'denied' }));
    });

    it('lets the patient read their own claim, with its transitions', async () => {
      const { id, patientId } = await billing.submittedClaim();
      const { claim } = await billing.graphqlOk(CLAIM, { id }, patientUser(patientId));
      expect(claim).toEqual({ id, status: 'SUBMITTED', transitions: [{ to: 'SUBMITTED' }] });
    });

    it("hides a claim from another organization's billing staff (null), and their writes get NOT_FOUND, even with the patient's billing consent", async () => {
      const { id, patientId } = await billing.submittedClaim();
      const elsewhere = await insertOrganization(billing.db.url);
      const theirClerk = staff('billing', elsewhere);
      await insertConsent(billing.db.url, patientId, elsewhere, 'billing');
      expect((await billing.graphqlOk(CLAIM, { id }, theirClerk)).claim).toBeNull();
      const before = await billing.ledgerCounts();
      expectError(await billing.transitionClaim(id, 'ACCEPTED', undefined, theirClerk), 'NOT_FOUND', 'claimId');
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it("answers a claim for a patient hidden from the caller's organization with NOT_FOUND on patientId", async () => {
      const stranger = await billing.newPatient([await insertOrganization(billing.db.url)]);
      const before = await billing.ledgerCounts();
      expectError(await billing.submitClaim(randomUUID(), billing.claimInput(stranger)), 'NOT_FOUND', 'claim.patientId');
      expect(await billing.ledgerCounts()).toEqual(before);
    });

    it('lets partner apps of the organization write with Claim write scopes, and not with read scopes', async () => {
      const patientId = await billing.newPatient();
      const creator = partnerApp(billing.organizationId, ['system/Claim.c']);
      const reader = partnerApp(billing.organizationId, ['system/Claim.read']);
      const created = await billing.submitClaim(randomUUID(), billing.claimInput(patientId), creator);
      expect(created.errors).toBeUndefined();
      const id = created.data.submitClaim.claim.id;
      expect(created.data.submitClaim.claim).toMatchObject({ provider: { id: billing.organizationId }, transitions: [{ actorKind: 'CLIENT', actorId: (creator as { clientId: string }).clientId }] });
      // .c creates, .u changes
      expectError(await billing.transitionClaim(id, 'ACCEPTED', undefined, creator), 'FORBIDDEN');
      expectError(await billing.createClaim(billing.claimInput(patientId), reader), 'FORBIDDEN');
      expect((await billing.graphqlOk(CLAIM, { id }, reader)).claim).toMatchObject({ id });
      expect((await billing.transitionClaim(id, 'ACCEPTED', undefined, partnerApp(billing.organizationId, ['system/Claim.u']))).data.transitionClaim.status).toBe('ACCEPTED');
    });

    it('audits each write against the patient, for payment', async () => {
      const clerk = staff('billing', billing.organizationId);
      const patientId = await billing.newPatient();
      const draft = (await billing.createClaim(billing.claimInput(patientId), clerk)).data.createClaim.id;
      await billing.transitionClaim(draft, 'SUBMITTED', undefined, clerk);
      const submitted = (await billing.submitClaim(randomUUID(), billing.claimInput(patientId), clerk)).data.submitClaim.claim.id;
      expect(await billing.auditWrites(clerk.userId)).toEqual([
        { patient_id: patientId, record_types: ['Claim'], purpose: 'payment', outcome: 'success', detail: { operation: 'create', claimId: draft } },
        { patient_id: patientId, record_types: ['Claim'], purpose: 'payment', outcome: 'success', detail: { operation: 'transition', claimId: draft, from: 'draft', to: 'submitted' } },
        { patient_id: patientId, record_types: ['Claim'], purpose: 'payment', outcome: 'success', detail: { operation: 'submit', claimId: submitted } },
      ]);
    });
  });
});
