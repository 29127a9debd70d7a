import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseReference, resourceId, type FhirResource, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Bundle, Claim as FhirClaim, ExplanationOfBenefit as FhirEob } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { Claim } from '../claim/claim.entity';
import { billingSubgraph } from '../subgraph';
import { billingIngestor } from './billing.ingestor';
import { derivedCoverageId } from './coverage-import';
import { payerIdOf } from '../payer/payer-directory';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/synthea');
const FIXTURE = 'Tonia_Quitzon_30e6c1c1-df11-44d8-9a20-63876fabc494.json';
const BILLING_TYPES = new Set(['Claim', 'ExplanationOfBenefit', 'Coverage']);
/** The payers Synthea's displays stand for on this patient's claims. */
const SYNTHEA_PAYERS: Record<string, string> = { medicaid: 'Medicaid', dual_eligible: 'Dual eligible (Medicare and Medicaid)' };

/** "265.52" → 26552n, "125" → 12500n: decimal text to cents with string arithmetic only. */
const cents = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(2, '0'));
};
/** Decimal text to cents, rounded half up at the third decimal ("3073.9040000000005" → 307390n, "2983.518" → 298352n). */
const roundedCents = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole + fraction.slice(0, 2).padEnd(2, '0')) + (fraction[2] >= '5' ? 1n : 0n);
};
/** The amounts written in a bundle's text after `prefix` (the oracle never reads them through a float). */
const writtenAmounts = (text: string, prefix: string) =>
  [...text.matchAll(new RegExp(`${prefix}\\s*"value": ([0-9.]+),\\s*"currency": "USD"`, 'g'))].map((match) => match[1]);

const resourcesOfText = (text: string) => (JSON.parse(text) as Bundle).entry!.map((entry) => entry.resource as FhirResource);
const billingResources = (resources: readonly FhirResource[]) => resources.filter((resource) => BILLING_TYPES.has(resource.resourceType));

describe('billing subgraph: FHIR ingestor', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  // the organization the imported patient is registered at (the import itself grants no access)
  let organizationId: string;
  const text = readFileSync(path.join(FIXTURES, FIXTURE), 'utf8');
  const resources = resourcesOfText(text);
  const view = bundleViewOf(resources);
  const claims = resources.filter((r): r is FhirClaim => r.resourceType === 'Claim');
  const eobs = resources.filter((r): r is FhirEob => r.resourceType === 'ExplanationOfBenefit');
  const patientId = resources.find((r) => r.resourceType === 'Patient')!.id!;

  /** What the importer does: one transaction per bundle on a fork of the subgraph's EntityManager. */
  const ingest = (list: readonly FhirResource[] = billingResources(resources), bundle = view) =>
    service.orm.em.fork().transactional((em) => billingIngestor.ingest(em as EntityManager, list, bundle));
  const claimCount = () => service.orm.em.fork().count(Claim, {});
  /** Raw rows; timestamp columns (which the driver returns as text) as Dates. */
  const sql = async (query: string, params: unknown[] = []): Promise<any[]> => (await service.orm.em.fork().getConnection().execute(query, params)).map((row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, /(^at|_at|_start|_end)$/.test(key) && typeof value === 'string' ? new Date(value) : value])));
  const tableCounts = async () => (await sql(`select
    (select count(*) from billing.claim)::int as claims, (select count(*) from billing.claim_transition)::int as transitions,
    (select count(*) from billing.explanation_of_benefit)::int as eobs, (select count(*) from billing.payment)::int as payments,
    (select count(*) from billing.payment_allocation)::int as allocations, (select count(*) from billing.coverage)::int as coverages,
    (select count(*) from billing.payer)::int as payers`))[0];

  beforeAll(async () => {
    db = await createTestDatabase('billing_ingest');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy billing asks
    service = await startTestSubgraph(billingSubgraph, db.url);
    organizationId = await insertOrganization(db.url);
    // the bundle's patient as the patients importer would leave it: a record, registered at the organization
    await withSql(db.url, async (sql) => {
      await sql(`insert into patients.patient (id, sort_name) values ($1, 'imported patient')`, [patientId]);
      await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values ($1, $2, $3, 'IMPORTED-1')`,
        [randomUUID(), patientId, organizationId]);
    });
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  it('creates claims, explanations of benefit, payments, payers and derived coverages, then updates in place on a second run', async () => {
    const paying = eobs.filter((eob) => eob.payment!.amount!.value! > 0).length;
    expect(claims.length).toBeGreaterThan(50);
    expect(paying).toBeGreaterThan(10);
    // Synthea names two payers on this patient's claims: dual_eligible and medicaid
    expect(await ingest()).toEqual({
      Payer: { created: 2, updated: 0 },
      Coverage: { created: 2, updated: 0 },
      Claim: { created: claims.length, updated: 0 },
      ExplanationOfBenefit: { created: eobs.length, updated: 0 },
      Payment: { created: paying, updated: 0 },
    });
    const before = await tableCounts();
    expect(before).toEqual({
      claims: claims.length, transitions: claims.length + eobs.length, eobs: eobs.length, payments: paying, allocations: paying, coverages: 2, payers: 2,
    });
    expect(await ingest()).toEqual({
      Coverage: { created: 0, updated: 2 },
      Claim: { created: 0, updated: claims.length },
      ExplanationOfBenefit: { created: 0, updated: eobs.length },
      Payment: { created: 0, updated: paying },
    });
    expect(await tableCounts()).toEqual(before);
    expect(await claimCount()).toBe(claims.length);
  });

  it('stores totals exactly: the sum in minor units equals the sum of the decimals written in the bundle', async () => {
    // the oracle reads the amounts as text from the file, never through a float
    const written = writtenAmounts(text, '"total": \\{');
    expect(written).toHaveLength(claims.length);
    const expected = written.reduce((sum, amount) => sum + cents(amount), 0n);

    const [{ sum }] = await sql(`select sum("total_minor_units")::text as "sum" from "billing"."claim"`);
    expect(BigInt(sum)).toBe(expected);

    // and through the API: the patient's claims, every page, added up from their decimal strings
    let total = 0n;
    let after: string | null = null;
    do {
      const data: any = await graphqlOk(service.url, `query ($after: String) { _entities(representations: [{ __typename: "Patient", id: "${patientId}" }]) {
        ... on Patient { claims(first: 40, after: $after) { edges { node { total { amount currency } } } pageInfo { hasNextPage endCursor } } } } }`, { after }, { principal: patientUser(patientId) });
      const page = data._entities[0].claims;
      for (const { node } of page.edges) {
        expect(node.total.currency).toBe('USD');
        expect(node.total.amount).toMatch(/^\d+\.\d{2}$/);
        total += cents(node.total.amount);
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(total).toBe(expected);
  });

  it('imports every fixture with claim totals and payer payments equal, to the cent, to the sums written in its bundle', async () => {
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort();
    expect(files).toHaveLength(17);
    let claimTotal = 0;
    let eobTotal = 0;
    for (const file of files) {
      const fixtureText = readFileSync(path.join(FIXTURES, file), 'utf8');
      const fixture = resourcesOfText(fixtureText);
      const fixturePatient = fixture.find((r) => r.resourceType === 'Patient')!.id!.toLowerCase();
      await ingest(billingResources(fixture), bundleViewOf(fixture));

      const claimTotals = writtenAmounts(fixtureText, '"total": \\{');
      // payments are written with sub-cent digits and float noise (2983.512, 3073.9040000000005): each is money paid once, in whole cents
      const payments = writtenAmounts(fixtureText, '"payment": \\{\\s*"amount": \\{');
      claimTotal += claimTotals.length;
      eobTotal += payments.length;
      const expected = {
        file,
        claims: claimTotals.reduce((sum, amount) => sum + cents(amount), 0n),
        payments: payments.reduce((sum, amount) => sum + roundedCents(amount), 0n),
      };
      const [row] = await sql(
        `select (select sum(total_minor_units) from billing.claim where patient_id = ?)::text as claims,
                (select sum(p.amount_minor_units) from billing.payment p join billing.payment_allocation a on a.payment_id = p.id
                   join billing.claim c on c.id = a.claim_id where c.patient_id = ? and p.source = 'payer')::text as payments,
                (select sum(payer_amount_minor_units) from billing.explanation_of_benefit where patient_id = ?)::text as eob_payer_amounts,
                (select sum(payer_paid_minor_units) from billing.claim where patient_id = ?)::text as claims_paid`,
        [fixturePatient, fixturePatient, fixturePatient, fixturePatient],
      );
      expect({ file, claims: BigInt(row.claims), payments: BigInt(row.payments ?? 0) }).toEqual(expected);
      expect(BigInt(row.eob_payer_amounts)).toBe(expected.payments);
      expect(BigInt(row.claims_paid)).toBe(expected.payments);
    }
    // the numbers the issue names: 707 claims, 555 explanations of benefit
    expect([claimTotal, eobTotal]).toEqual([707, 555]);
    const [states] = await sql(`select count(*) filter (where status = 'adjudicated')::int as adjudicated, count(*) filter (where status = 'submitted')::int as submitted,
      count(*) filter (where payer_outstanding_minor_units <> 0 and status = 'adjudicated')::int as payer_still_owes from billing.claim`);
    expect(states).toEqual({ adjudicated: 555, submitted: 707 - 555, payer_still_owes: 0 });
  });

  it('adjudicates each claim as its EOB says: Synthea lines, the uncovered encounter charge, outcome and transitions', async () => {
    // a paying EOB: the procedure line adjudicated (payer 80%, coinsurance 20%), the encounter line not covered
    const eob = eobs.find((candidate) => candidate.payment!.amount!.value! > 0 && candidate.item!.some((item) => !item.adjudication))!;
    const claimId = parseReference(eob.claim!.reference)!.id;
    const claim = claims.find((candidate) => candidate.id!.toLowerCase() === claimId)!;
    const em = service.orm.em.fork();
    const row = await em.findOneOrFail(Claim, { id: claimId });
    const adjudicated = eob.item!.filter((item) => item.adjudication);
    const sumOf = (code: string) => adjudicated.reduce((sum, item) =>
      sum + roundedCents(String(item.adjudication!.find((a) => a.category.coding![0].code!.endsWith(code))!.amount!.value)), 0n);
    const total = cents(String(claim.total!.value));
    const uncovered = total - sumOf('line_sbmtd_chrg_amt');
    expect(uncovered).toBeGreaterThan(0n);
    expect(row).toMatchObject({
      status: 'adjudicated',
      outcome: 'paid',
      payerAmountMinorUnits: roundedCents(String(eob.payment!.amount!.value)),
      payerPaidMinorUnits: roundedCents(String(eob.payment!.amount!.value)),
      allowedMinorUnits: sumOf('line_alowd_chrg_amt') + uncovered,
      patientResponsibilityMinorUnits: sumOf('line_coinsrnc_amt') + sumOf('line_bene_ptb_ddctbl_amt') + uncovered,
      payerOutstandingMinorUnits: 0n,
      adjudicatedAt: new Date(eob.created!),
      denialReasonCode: null,
      payerId: payerIdOf(SYNTHEA_PAYERS[eob.insurer!.display!]),
      coverageId: derivedCoverageId(patientId, payerIdOf(SYNTHEA_PAYERS[eob.insurer!.display!])),
    });
    expect(row.patientOutstandingMinorUnits).toBe(row.patientResponsibilityMinorUnits);
    const transitions = await sql(`select from_status, to_status, actor_kind, actor_id, at from billing.claim_transition where claim_id = ? order by at, id`, [claimId]);
    expect(transitions).toEqual([
      { from_status: null, to_status: 'submitted', actor_kind: 'system', actor_id: 'fhir-import', at: new Date(claim.created!) },
      { from_status: 'submitted', to_status: 'adjudicated', actor_kind: 'system', actor_id: 'fhir-import', at: new Date(eob.created!) },
    ]);
    const [stored] = await sql(`select lines, submitted_minor_units::text as submitted from billing.explanation_of_benefit where id = ?`, [resourceId('ExplanationOfBenefit', eob.id!)]);
    expect(BigInt(stored.submitted)).toBe(total);
    // every line is kept; the uncovered charge shows on the first line the payer did not adjudicate
    expect(stored.lines).toHaveLength(eob.item!.length);
    const first = stored.lines.find((line: any) => line.sequence === eob.item!.find((item) => !item.adjudication)!.sequence);
    expect(first).toMatchObject({ submittedMinorUnits: Number(uncovered), payerAmountMinorUnits: 0, patientResponsibilityMinorUnits: Number(uncovered) });

    // a zero payment on a claim with no covered line: processed (paid) with the patient owing all of it
    const zero = eobs.find((candidate) => candidate.payment!.amount!.value === 0)!;
    const zeroRow = await em.findOneOrFail(Claim, { id: parseReference(zero.claim!.reference)!.id });
    expect(zeroRow).toMatchObject({ status: 'adjudicated', outcome: 'paid', payerAmountMinorUnits: 0n, patientResponsibilityMinorUnits: zeroRow.totalMinorUnits });
  });

  describe('explanations of benefit with denials (CARC reasons, FHIR adjudication categories)', () => {
    const patient = randomUUID();
    const provider = randomUUID();
    const payerOrg = randomUUID();
    const usd = (value: number) => ({ value, currency: 'USD' as const });
    const category = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code }] });
    const carc = (code: string, display: string) => ({ coding: [{ system: 'https://x12.org/codes/claim-adjustment-reason-codes', code, display }] });
    const claimOf = (id: string, nets: number[], coverageId: string): FhirClaim => ({
      resourceType: 'Claim', id, status: 'active', use: 'claim', created: '2026-10-01T10:00:00Z',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      patient: { reference: `urn:uuid:${patient}` }, provider: { reference: `urn:uuid:${provider}` },
      priority: { coding: [{ code: 'normal' }] },
      insurer: { reference: `urn:uuid:${payerOrg}` },
      insurance: [{ sequence: 1, focal: true, coverage: { reference: `urn:uuid:${coverageId}` } }],
      billablePeriod: { start: '2026-09-30T09:00:00Z', end: '2026-09-30T10:00:00Z' },
      item: nets.map((net, index) => ({ sequence: index + 1, productOrService: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: `9921${index}` }] }, net: usd(net) })),
      total: usd(nets.reduce((a, b) => a + b, 0)),
    });
    type Line = { paid: number; patient: number; allowed: number; reason?: ReturnType<typeof carc> };
    const eobOf = (id: string, claim: FhirClaim, lines: Line[], payment: number): FhirEob => ({
      resourceType: 'ExplanationOfBenefit', id, status: 'active', use: 'claim', outcome: 'complete', created: '2026-10-20T00:00:00Z',
      type: claim.type!, patient: claim.patient!, provider: claim.provider!, insurer: { display: 'Bluewater Health Plan' },
      claim: { reference: `urn:uuid:${claim.id}` },
      insurance: [{ focal: true, coverage: { display: 'Bluewater Health Plan' } }],
      item: lines.map((line, index) => ({
        sequence: index + 1, productOrService: claim.item![index].productOrService,
        adjudication: [
          { category: category('submitted'), amount: claim.item![index].net },
          { category: category('eligible'), amount: usd(line.allowed) },
          { category: category('benefit'), amount: usd(line.paid) },
          { category: category('copay'), amount: usd(line.patient) },
          ...(line.reason ? [{ category: { coding: [{ code: 'denialreason' }] }, reason: line.reason }] : []),
        ],
      })),
      total: [{ category: category('submitted'), amount: claim.total! }],
      payment: { amount: usd(payment), date: '2026-10-22' },
    } as FhirEob);
    const coverageOf = (id: string): FhirResource => ({
      resourceType: 'Coverage', id, status: 'active', beneficiary: { reference: `urn:uuid:${patient}` },
      payor: [{ reference: `urn:uuid:${payerOrg}` }], order: 1, relationship: { coding: [{ code: 'spouse' }] }, subscriberId: 'SUB-77',
      identifier: [{ type: { coding: [{ code: 'MB' }] }, value: 'MEMBER-123' }],
      class: [{ type: { coding: [{ code: 'plan' }] }, value: 'GOLD-1', name: 'Gold PPO' }],
      period: { start: '2026-01-01', end: '2026-12-31' },
    } as FhirResource);
    const organization: FhirResource = { resourceType: 'Organization', id: payerOrg, name: 'Bluewater Health Plan' };
    const bundleOf = (...list: FhirResource[]) => ({ list, view: bundleViewOf([organization, ...list]) });
    const ids = () => ({ claim: randomUUID(), eob: randomUUID(), coverage: randomUUID() });

    it('denies a claim the payer paid nothing on, with the first CARC reason, and bills the patient nothing', async () => {
      const id = ids();
      const claim = claimOf(id.claim, [150, 80], id.coverage);
      const eob = eobOf(id.eob, claim, [
        { allowed: 0, paid: 0, patient: 0, reason: carc('CO-50', 'Not deemed a medical necessity by the payer') },
        { allowed: 0, paid: 0, patient: 0, reason: carc('CO-16', 'Claim lacks information needed for adjudication') },
      ], 0);
      const { list, view: bundle } = bundleOf(coverageOf(id.coverage), claim, eob);
      expect(await ingest(list, bundle)).toMatchObject({ Coverage: { created: 1 }, Claim: { created: 1 }, ExplanationOfBenefit: { created: 1 } });
      const row = await service.orm.em.fork().findOneOrFail(Claim, { id: id.claim });
      expect(row).toMatchObject({
        status: 'adjudicated', outcome: 'denied', denialReasonCode: 'CO-50', denialReasonDisplay: 'Not deemed a medical necessity by the payer',
        allowedMinorUnits: 0n, payerAmountMinorUnits: 0n, patientResponsibilityMinorUnits: 0n, outstandingMinorUnits: 0n,
        payerId: payerIdOf('Bluewater Health Plan'), coverageId: id.coverage,
      });
      expect(await sql(`select count(*)::int as n from billing.payment where id in (select payment_id from billing.payment_allocation where claim_id = ?)`, [id.claim])).toEqual([{ n: 0 }]);
      // the Coverage resource as written: payer by its Organization's name, plan, member and subscriber, order of benefits
      const [coverage] = await sql(`select c.*, p.name as payer from billing.coverage c join billing.payer p on p.id = c.payer_id where c.id = ?`, [id.coverage]);
      expect(coverage).toMatchObject({
        patient_id: patient, payer: 'Bluewater Health Plan', plan_name: 'Gold PPO', member_id: 'MEMBER-123', subscriber_id: 'SUB-77',
        relationship: 'spouse', status: 'active', benefit_order: 1, period_start: new Date('2026-01-01T00:00:00Z'), period_end: new Date('2026-12-31T00:00:00Z'),
      });
    });

    it('partially pays a claim with one line denied, and pays one whose lines were all paid as allowed', async () => {
      const partial = ids();
      const partialClaim = claimOf(partial.claim, [200, 55.5], partial.coverage);
      const paid = ids();
      const paidClaim = claimOf(paid.claim, [120.1], paid.coverage);
      const { list, view: bundle } = bundleOf(
        coverageOf(partial.coverage), partialClaim, coverageOf(paid.coverage), paidClaim,
        eobOf(partial.eob, partialClaim, [{ allowed: 160, paid: 128, patient: 32 }, { allowed: 0, paid: 0, patient: 0, reason: carc('CO-97', 'Included in another service') }], 128),
        eobOf(paid.eob, paidClaim, [{ allowed: 100.1, paid: 75.1, patient: 25 }], 75.1),
      );
      await ingest(list, bundle);
      const em = service.orm.em.fork();
      expect(await em.findOneOrFail(Claim, { id: partial.claim })).toMatchObject({
        outcome: 'partially-paid', denialReasonCode: 'CO-97', allowedMinorUnits: 16000n, payerAmountMinorUnits: 12800n, payerPaidMinorUnits: 12800n,
        patientResponsibilityMinorUnits: 3200n, patientOutstandingMinorUnits: 3200n, payerOutstandingMinorUnits: 0n,
      });
      expect(await em.findOneOrFail(Claim, { id: paid.claim })).toMatchObject({
        outcome: 'paid', denialReasonCode: null, allowedMinorUnits: 10010n, payerAmountMinorUnits: 7510n, patientResponsibilityMinorUnits: 2500n, outstandingMinorUnits: 2500n,
      });
      const [payment] = await sql(`select p.source, p.amount_minor_units::text as amount, p.received_at, p.recorded_by, py.name as payer
        from billing.payment p join billing.payer py on py.id = p.payer_id join billing.payment_allocation a on a.payment_id = p.id where a.claim_id = ?`, [paid.claim]);
      expect(payment).toEqual({ source: 'payer', amount: '7510', received_at: new Date('2026-10-22T00:00:00Z'), recorded_by: 'system:fhir-import', payer: 'Bluewater Health Plan' });
    });

    it.each([
      ['an EOB of a claim never imported', (eob: FhirEob) => ({ ...eob, claim: { reference: `urn:uuid:${randomUUID()}` } }), 'ExplanationOfBenefit.claim'],
      ['a payment in another currency', (eob: FhirEob) => ({ ...eob, payment: { amount: { value: 10, currency: 'EUR' } } }), 'ExplanationOfBenefit.payment.amount.currency'],
      ['a negative payment', (eob: FhirEob) => ({ ...eob, payment: { amount: { value: -10, currency: 'USD' } } }), 'ExplanationOfBenefit.payment.amount.value'],
      ['a submitted total that is not the claim\'s', (eob: FhirEob) => ({ ...eob, total: [{ category: category('submitted'), amount: usd(999) }] }), 'ExplanationOfBenefit.total'],
      ['another patient', (eob: FhirEob) => ({ ...eob, patient: { reference: `urn:uuid:${randomUUID()}` } }), 'ExplanationOfBenefit.patient'],
      ['an EOB still queued', (eob: FhirEob) => ({ ...eob, outcome: 'queued' }), 'ExplanationOfBenefit.outcome'],
    ] as const)('refuses %s, naming the field, and rolls the bundle back', async (_label, broken, field) => {
      const id = ids();
      const claim = claimOf(id.claim, [100], id.coverage);
      const eob = broken(eobOf(id.eob, claim, [{ allowed: 100, paid: 80, patient: 20 }], 80) as FhirEob) as FhirEob;
      const before = await tableCounts();
      const { list, view: bundle } = bundleOf(coverageOf(id.coverage), claim, eob);
      await expect(ingest(list, bundle)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
      expect(await tableCounts()).toEqual(before);
    });
  });

  it('serves the imported claims to the patient and to billing staff, not to clinicians or strangers', async () => {
    const query = `{ _entities(representations: [{ __typename: "Patient", id: "${patientId}" }]) { ... on Patient { claims { totalCount } } } }`;
    const countFor = async (principal: UserPrincipal) => {
      const response = await graphql(service.url, query, {}, { principal });
      expect(response.errors).toBeUndefined();
      return response.data._entities[0].claims?.totalCount ?? null;
    };
    expect(await countFor(patientUser(patientId))).toBe(claims.length);
    // billing staff of a provider the patient is registered at see what that provider billed
    const provider = parseReference(claims[0].provider!.reference)!.id;
    await withSql(db.url, (sql) => sql(`insert into patients.organization (id, name, search_name, type) values ($1, 'Provider', 'provider', 'hospital')
      on conflict do nothing`, [provider]).then(() => sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values ($1, $2, $3, 'IMPORTED-2')`,
      [randomUUID(), patientId, provider])));
    expect(await countFor(staff('billing', provider))).toBe(claims.filter((claim) => parseReference(claim.provider!.reference)!.id === provider).length);
    expect(await countFor(staff('physician', organizationId))).toBeNull(); // minimum necessary: claims are billing's
    expect(await countFor(staff('billing', await insertOrganization(db.url)))).toBeNull(); // not registered there, no consent
    expect(await countFor(patientUser(randomUUID()))).toBeNull();
  });

  it('keeps codes and references exactly: type, provider, items with their encounter, diagnoses by Condition id', async () => {
    const em = service.orm.em.fork();
    for (const source of claims) {
      const row = await em.findOneOrFail(Claim, { id: resourceId('Claim', source.id!) });
      const itemEncounters = source.item!.map((item) => (item.encounter?.[0] ? parseReference(item.encounter[0].reference)!.id : null));
      expect(row).toMatchObject({
        patientId,
        providerOrganizationId: parseReference(source.provider!.reference)!.id,
        typeCode: source.type!.coding![0].code,
        createdAt: new Date(source.created!),
        billablePeriodStart: new Date(source.billablePeriod!.start!),
        billablePeriodEnd: new Date(source.billablePeriod!.end!),
        encounterId: itemEncounters.find(Boolean) ?? null,
        currency: 'USD',
      });
      expect(row.items.map((item) => [item.sequence, item.productOrService.system, item.productOrService.code, item.encounterId])).toEqual(
        source.item!.map((item, i) => [item.sequence, item.productOrService!.coding![0].system, item.productOrService!.coding![0].code, itemEncounters[i]]),
      );
      expect(row.items.map((item) => item.net?.minorUnits ?? null)).toEqual(source.item!.map((item) => (item.net ? Number(cents(String(item.net.value))) : null)));
      expect(row.diagnoses).toEqual(
        (source.diagnosis ?? []).map((d) => ({ sequence: d.sequence, code: null, conditionId: parseReference(d.diagnosisReference!.reference)!.id })),
      );
    }
    expect(claims.some((c) => c.diagnosis?.length)).toBe(true);
  });

  it('derives one active coverage per patient and payer the claims bill, spanning their service dates', async () => {
    const rows = await sql(`select c.id, c.status, c.benefit_order, c.period_start, c.period_end, p.name, p.kind from billing.coverage c
      join billing.payer p on p.id = c.payer_id where c.patient_id = ? order by p.name`, [patientId]);
    const spanOf = (display: string) => {
      const billed = claims.filter((claim) => claim.insurance![0].coverage!.display === display);
      return { from: new Date(Math.min(...billed.map((c) => Date.parse(c.billablePeriod!.start!)))), to: new Date(Math.max(...billed.map((c) => Date.parse(c.billablePeriod!.end!)))) };
    };
    expect(rows).toEqual([
      { id: derivedCoverageId(patientId, payerIdOf('Dual eligible (Medicare and Medicaid)')), status: 'active', benefit_order: 1,
        period_start: spanOf('dual_eligible').from, period_end: spanOf('dual_eligible').to, name: 'Dual eligible (Medicare and Medicaid)', kind: 'insurer' },
      { id: derivedCoverageId(patientId, payerIdOf('Medicaid')), status: 'active', benefit_order: 1,
        period_start: spanOf('medicaid').from, period_end: spanOf('medicaid').to, name: 'Medicaid', kind: 'insurer' },
    ]);
    // Synthea's no_insurance is the self-pay payer (another fixture has it)
    expect(await sql(`select kind from billing.payer where name = 'Self-pay'`)).toEqual([{ kind: 'self-pay' }]);
  });

  it.each([
    ['a total with more than 2 decimals', (c: FhirClaim) => ({ ...c, total: { value: 10.005, currency: 'USD' } }), 'Claim.total.value'],
    ['a float-drifted line amount', (c: FhirClaim) => ({ ...c, item: [{ ...c.item![0], net: { value: 0.1 + 0.2, currency: 'USD' } }] }), 'Claim.item[0].net.value'],
    ['a total without a currency', (c: FhirClaim) => ({ ...c, total: { value: 10 } }), 'Claim.total.currency'],
    ['a claim without a provider', (c: FhirClaim) => ({ ...c, provider: {} }), 'Claim.provider'],
    ['an unknown status', (c: FhirClaim) => ({ ...c, status: 'paid' }), 'Claim.status'],
  ])('refuses %s, naming the field, and rolls the bundle back', async (_label, broken, field) => {
    const before = await claimCount();
    const fresh = { ...claims[0], id: '11111111-2222-4333-8444-555555555555' } as FhirClaim;
    const bad = { ...(broken(claims[1]) as FhirClaim), id: '66666666-2222-4333-8444-555555555555' };
    await expect(ingest([fresh, bad])).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
    expect(await claimCount()).toBe(before);
  });
});
