import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVERYTHING_PART_PATH, type EverythingPart, type FhirResource, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Bundle, Claim as FhirClaim, Coverage as FhirCoverage, ExplanationOfBenefit as FhirEob } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, patientUser, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { assertionHeaders, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { billingSubgraph } from '../subgraph';
import { billingIngestor } from './billing.ingestor';
import { CLAIM_OUTCOME_EXTENSION } from './explanation-of-benefit-import';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/synthea');
/** Medicare and self-pay (Synthea's no_insurance) claims, and EOBs whose whole-cent lines miss the payment by a cent. */
const FIXTURE = 'Sharmaine_Yost_f24e406f-384b-41ad-88a1-2857e7584d08.json';
const BILLING_TYPES = new Set(['Claim', 'ExplanationOfBenefit', 'Coverage']);
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Decimal text to cents with string arithmetic only, rounded half up at the third decimal ("3073.9040000000005" → 307390n). */
const cents = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole + fraction.slice(0, 2).padEnd(2, '0')) + ((fraction[2] ?? '0') >= '5' ? 1n : 0n);
};

describe('billing subgraph: FHIR export (the billing part of Patient/$everything)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  const fixture = (JSON.parse(readFileSync(path.join(FIXTURES, FIXTURE), 'utf8')) as Bundle).entry!.map((entry) => entry.resource as FhirResource);
  const patientId = fixture.find((r) => r.resourceType === 'Patient')!.id!.toLowerCase();
  const claims = fixture.filter((r): r is FhirClaim => r.resourceType === 'Claim');
  const eobs = fixture.filter((r): r is FhirEob => r.resourceType === 'ExplanationOfBenefit');

  /** What the importer does: one transaction per bundle, resolving references in the bundle (the export's own, plus the fixture's clinical resources). */
  const ingest = (resources: readonly FhirResource[]) => service.orm.em.fork().transactional((em) =>
    billingIngestor.ingest(em as EntityManager, resources.filter((r) => BILLING_TYPES.has(r.resourceType)), bundleViewOf([...fixture.filter((r) => !BILLING_TYPES.has(r.resourceType)), ...resources])));

  /** POST EVERYTHING_PART_PATH as the gateway calls it. */
  const part = async (body: Record<string, unknown>, principal: UserPrincipal = patientUser(patientId)) => {
    const response = await fetch(new URL(EVERYTHING_PART_PATH, service.url), {
      method: 'POST', headers: { 'content-type': 'application/json', ...(await assertionHeaders(service.url, principal)) }, body: JSON.stringify({ patientId, ...body }),
    });
    return { status: response.status, resources: response.ok ? ((await response.json()) as EverythingPart).resources : [] };
  };

  /** Every row of every billing table as sorted JSON text, without created_at/updated_at (as test/fhir-export.test.ts compares them). */
  const billingRows = () => withSql(db.url, async (sql) => {
    const tables = await sql(`select table_name as name from information_schema.tables where table_schema = 'billing' and table_type = 'BASE TABLE'
      and table_name <> 'mikro_orm_migrations' order by 1`);
    const rows: Record<string, string[]> = {};
    for (const { name } of tables) {
      const columns = (await sql(`select column_name as name from information_schema.columns where table_schema = 'billing' and table_name = $1
        and column_name not in ('created_at', 'updated_at') order by ordinal_position`, [name])).map((column) => `"${column.name}"`);
      rows[name] = (await sql(`select json_build_array(${columns.join(', ')})::text as row from billing."${name}"`)).map((row) => row.row).sort();
    }
    return rows;
  });

  beforeAll(async () => {
    db = await createTestDatabase('billing_export');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy the part is read under
    service = await startTestSubgraph(billingSubgraph, db.url);
    const organizationId = await insertOrganization(db.url);
    await withSql(db.url, async (sql) => {
      await sql(`insert into patients.patient (id, sort_name) values ($1, 'imported patient')`, [patientId]);
      await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values ($1, $2, $3, 'IMPORTED-1')`, [randomUUID(), patientId, organizationId]);
    });
    await ingest(fixture);
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  it('exports every claim with its stored codes, references and exact totals, as FHIR R4', async () => {
    const { status, resources } = await part({});
    expect(status).toBe(200);
    const exported = new Map(resources.filter((r): r is FhirClaim => r.resourceType === 'Claim').map((claim) => [claim.id, claim]));
    expect(exported.size).toBe(claims.length);
    for (const source of claims) {
      const claim = exported.get(source.id!.toLowerCase())!;
      expect(claim).toMatchObject({
        status: 'active', use: 'claim', created: new Date(source.created!).toISOString(),
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: source.type!.coding![0].code }] },
        patient: { reference: `Patient/${patientId}` },
        provider: { reference: `Organization/${source.provider!.reference!.replace('urn:uuid:', '')}` },
        insurance: [{ focal: true, coverage: { reference: expect.stringMatching(new RegExp(`^Coverage/${UUID}$`)) } }],
      });
      // the amounts as the bundle wrote them, to the cent, read as text
      expect(cents(String(claim.total!.value))).toBe(cents(String(source.total!.value)));
      expect(claim.item!.map((item) => [item.sequence, item.productOrService.coding![0].code, item.net && cents(String(item.net.value))])).toEqual(
        source.item!.map((item) => [item.sequence, item.productOrService!.coding![0].code, item.net && cents(String(item.net.value))]));
      expect(claim.diagnosis ?? []).toEqual((source.diagnosis ?? []).map((d) => ({ sequence: d.sequence, diagnosisReference: { reference: d.diagnosisReference!.reference!.replace('urn:uuid:', 'Condition/') } })));
    }
    // payers are billing's own records: named by display; self-pay's coverage names the patient as payor
    const coverages = resources.filter((r): r is FhirCoverage => r.resourceType === 'Coverage');
    expect(coverages.map((coverage) => coverage.payor[0]).sort((a, b) => a.display!.localeCompare(b.display!))).toEqual([
      { display: 'Medicare' }, { reference: `Patient/${patientId}`, display: 'Self-pay' },
    ]);
  });

  it('states each EOB payment, totals and outcome exactly as stored', async () => {
    const { resources } = await part({ types: ['ExplanationOfBenefit'] });
    expect(new Set(resources.map((r) => r.resourceType))).toEqual(new Set(['ExplanationOfBenefit']));
    const exported = new Map((resources as FhirEob[]).map((eob) => [eob.id, eob]));
    const stored = await withSql(db.url, (sql) => sql(`select e.id, e.outcome, e.payer_amount_minor_units::text as paid, e.patient_responsibility_minor_units::text as patient
      from billing.explanation_of_benefit e`));
    expect(stored).toHaveLength(eobs.length);
    for (const row of stored) {
      const eob = exported.get(row.id)!;
      expect(eob.extension).toEqual([{ url: CLAIM_OUTCOME_EXTENSION, valueCode: row.outcome }]);
      expect(cents(String(eob.payment!.amount!.value))).toBe(BigInt(row.paid));
      expect(cents(String(eob.total!.find((total) => total.category.coding![0].code === 'memberliability')!.amount.value))).toBe(BigInt(row.patient));
    }
    // the payment the bundle wrote with float noise (2983.512), exported as the cents it was paid in
    for (const source of eobs) expect(cents(String(exported.get(source.id!.toLowerCase())!.payment!.amount!.value))).toBe(cents(String(source.payment!.amount!.value)));
  });

  it('imports back as the same rows in every billing table: again over them, and into empty tables', async () => {
    const before = await billingRows();
    expect(before.claim).toHaveLength(claims.length);
    expect(before.claim_transition).toHaveLength(claims.length + eobs.length);
    const { resources } = await part({});

    await ingest(resources);
    expect(await billingRows()).toEqual(before);

    // from nothing: payers, coverages, claims and their transitions (same identity ids), EOBs, payments
    await withSql(db.url, (sql) => sql(`truncate billing.payment_allocation, billing.payment, billing.explanation_of_benefit, billing.claim_transition,
      billing.claim, billing.coverage, billing.payer, billing.claim_daily_totals, billing.claim_monthly_totals restart identity`));
    await ingest(resources);
    expect(await billingRows()).toEqual(before);
  });

  it('reads only the types asked for, changed since the instant given', async () => {
    expect((await part({ types: ['Coverage'] })).resources.map((r) => r.resourceType)).toEqual(['Coverage', 'Coverage']);
    expect((await part({ since: new Date(Date.now() + 60_000).toISOString() })).resources).toEqual([]);
    expect((await part({ since: new Date(Date.now() - 3_600_000).toISOString() })).resources).toHaveLength(2 + claims.length + eobs.length);
    expect((await part({}, patientUser(randomUUID()))).status).toBe(404);
  });
});
