import type { Claim, Encounter, ExplanationOfBenefit } from '@medplum/fhirtypes';
import { createLogger } from '@caregraph/platform';
import { createImporter } from '@caregraph/tools';
import { bearer, startTestPlatform, type TestPlatform } from './support/platform';
import { partnerApp, patientUser, staff, withSql, type UserPrincipal } from './support/principals';
import { graphqlOk as callOk } from './support/services';
import { fixtureChart, idOf, refId } from './support/synthea';

jest.setTimeout(120_000);

/** A patient billed by two organizations, insured by Medicaid, later dual eligible. */
const chart = fixtureChart('Tonia_Quitzon');

const PATIENT_BILLING = `query ($id: ID!) {
  patient(id: $id) {
    id
    coverages { status benefitOrder periodStart periodEnd payer { name kind } }
    claims(first: 100) { totalCount edges { node { id provider { id } encounter { id periodStart } } } }
    balance { patientOwes { amount currency } insuranceOwes { amount currency } total { amount currency } openClaims }
  }
}`;

/** "265.52" → 26552n. */
const minorUnits = (amount: string) => BigInt(amount.replace('.', ''));

describe('billing in the federated graph', () => {
  let platform: TestPlatform;
  const patientId = chart.patientId;
  const claims = chart.of<Claim>('Claim');
  const providerOf = (claim: Claim) => refId(claim.provider!.reference);
  const organizationId = providerOf(claims[0]);
  const patient = patientUser(patientId);
  const clerk = staff('billing', organizationId);
  const query = async (principal: Parameters<typeof bearer>[0], text = PATIENT_BILLING, variables: Record<string, unknown> = { id: patientId }) =>
    callOk(platform.gateway.url, text, variables, { headers: await bearer(principal) });
  /** What the claims' outstanding columns sum to for the patient, from one organization or all (the oracle: plain SQL). */
  const outstanding = (organization?: string) => withSql(platform.db.url, async (sql) => (await sql(
    `select coalesce(sum(patient_outstanding_minor_units), 0)::text as patient, coalesce(sum(payer_outstanding_minor_units), 0)::text as payer,
            count(*) filter (where outstanding_minor_units <> 0)::int as open
       from billing.claim where patient_id = $1 and ($2::uuid is null or provider_organization_id = $2)`, [patientId, organization ?? null]))[0]);

  beforeAll(async () => {
    platform = await startTestPlatform('billing_federation', async (databaseUrl) => {
      const importer = await createImporter({ databaseUrl, logger: createLogger('import', 'silent') });
      try {
        await importer.importFile(chart.file);
      } finally {
        await importer.close();
      }
    });
  });
  afterAll(() => platform?.close());

  it("gives the patient their coverages, every claim linked to its clinical encounter, and their balance", async () => {
    const { patient: record } = await query(patient);
    // derived from the claims' insurance (Synthea writes no Coverage): primary, the latest first
    expect(record.coverages).toEqual([
      expect.objectContaining({ status: 'ACTIVE', benefitOrder: 1, payer: { name: 'Dual eligible (Medicare and Medicaid)', kind: 'INSURER' } }),
      expect.objectContaining({ status: 'ACTIVE', benefitOrder: 1, payer: { name: 'Medicaid', kind: 'INSURER' } }),
    ]);

    // Claim.encounter: billing keeps only the id; the clinical subgraph answers the rest through the Encounter key
    expect(record.claims.totalCount).toBe(claims.length);
    const encounterStart = new Map(chart.of<Encounter>('Encounter').map((e) => [idOf(e), new Date(e.period!.start!).toISOString()]));
    for (const { node } of record.claims.edges) {
      const source = claims.find((claim) => idOf(claim) === node.id)!;
      const encounterId = refId(source.item![0].encounter![0].reference);
      expect(node.encounter).toEqual({ id: encounterId, periodStart: encounterStart.get(encounterId) });
    }

    const expected = await outstanding();
    expect(record.balance.openClaims).toBe(expected.open);
    expect(record.balance.patientOwes.map((m: any) => [m.currency, minorUnits(m.amount)])).toEqual([['USD', BigInt(expected.patient)]]);
    // every fixture EOB paid what it adjudicated: insurers owe only what awaits adjudication
    const awaiting = claims.length - chart.of<ExplanationOfBenefit>('ExplanationOfBenefit').length;
    expect(awaiting).toBeGreaterThan(0);
    expect(record.balance.insuranceOwes.map((m: any) => [m.currency, minorUnits(m.amount)])).toEqual([['USD', BigInt(expected.payer)]]);
    expect(minorUnits(record.balance.total[0].amount)).toBe(BigInt(expected.patient) + BigInt(expected.payer));
  });

  it("gives a provider's billing clerk that provider's claims and what is owed to it, and no clinical data", async () => {
    await withSql(platform.db.url, (sql) => sql(`select 1 from patients.patient_registration where patient_id = $1 and organization_id = $2`, [patientId, organizationId]))
      .then((rows) => expect(rows).toHaveLength(1)); // the import registered the patient where they were seen
    const { patient: record } = await query(clerk);
    const theirs = claims.filter((claim) => providerOf(claim) === organizationId);
    expect(record.claims.totalCount).toBe(theirs.length);
    expect(record.claims.edges.every((edge: any) => edge.node.provider.id === organizationId)).toBe(true);
    // minimum necessary: the encounter a claim bills is clinical, closed to billing staff
    expect(record.claims.edges.every((edge: any) => edge.node.encounter === null)).toBe(true);
    expect(record.coverages).toHaveLength(2);
    const expected = await outstanding(organizationId);
    expect(record.balance.openClaims).toBe(expected.open);
    expect(record.balance.insuranceOwes.map((m: any) => minorUnits(m.amount))).toEqual(expected.payer === '0' ? [] : [BigInt(expected.payer)]);
  });

  it('opens billing to partner apps by scope, and closes it to clinicians and other patients', async () => {
    const physician: UserPrincipal = staff('physician', organizationId);
    const { patient: asPhysician } = await query(physician);
    expect(asPhysician).toMatchObject({ id: patientId, coverages: null, claims: null, balance: null });

    const withCoverage = (await query(partnerApp(organizationId, ['system/Coverage.read', 'system/Claim.read']) as never)).patient;
    expect(withCoverage.coverages).toHaveLength(2);
    expect(withCoverage.balance.openClaims).toBe((await outstanding(organizationId)).open);
    const claimsOnly = (await query(partnerApp(organizationId, ['system/Claim.read']) as never)).patient;
    expect(claimsOnly.coverages).toBeNull();

    const stranger = patientUser('00000000-0000-4000-8000-000000000001');
    expect((await query(stranger)).patient).toBeNull();
  });
});
