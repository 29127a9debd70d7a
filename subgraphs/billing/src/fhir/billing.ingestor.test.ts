import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseReference, resourceId, type FhirResource, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Bundle, Claim as FhirClaim } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { Claim } from '../claim/claim.entity';
import { billingSubgraph } from '../subgraph';
import { billingIngestor } from './billing.ingestor';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/synthea');
const FIXTURE = 'Tonia_Quitzon_30e6c1c1-df11-44d8-9a20-63876fabc494.json';


/** "265.52" → 26552n, "125" → 12500n: decimal text to cents with string arithmetic only. */
const cents = (text: string): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole + fraction.padEnd(2, '0'));
};

describe('billing subgraph: FHIR ingestor', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  // billing staff of the organization the imported patient is registered at (the import itself grants no access)
  let organizationId: string;
  let billing: UserPrincipal;
  const text = readFileSync(path.join(FIXTURES, FIXTURE), 'utf8');
  const resources = (JSON.parse(text) as Bundle).entry!.map((entry) => entry.resource as FhirResource);
  const view = bundleViewOf(resources);
  const claims = resources.filter((r): r is FhirClaim => r.resourceType === 'Claim');
  const patientId = resources.find((r) => r.resourceType === 'Patient')!.id!;

  /** What the importer does: one transaction per bundle on a fork of the subgraph's EntityManager. */
  const ingest = (list: readonly FhirResource[] = claims) =>
    service.orm.em.fork().transactional((em) => billingIngestor.ingest(em as EntityManager, list, view));
  const claimCount = () => service.orm.em.fork().count(Claim, {});

  beforeAll(async () => {
    db = await createTestDatabase('billing_ingest');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy billing asks
    service = await startTestSubgraph(billingSubgraph, db.url);
    organizationId = await insertOrganization(db.url);
    billing = staff('billing', organizationId);
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

  it('creates one Claim per bundle Claim, then updates in place on a second run', async () => {
    expect(claims.length).toBeGreaterThan(50);
    expect(await ingest()).toEqual({ Claim: { created: claims.length, updated: 0 } });
    expect(await ingest()).toEqual({ Claim: { created: 0, updated: claims.length } });
    expect(await claimCount()).toBe(claims.length);
  });

  it('stores totals exactly: the sum in minor units equals the sum of the decimals written in the bundle', async () => {
    // the oracle reads the amounts as text from the file, never through a float
    const written = [...text.matchAll(/"total": \{\s*"value": ([0-9.]+),\s*"currency": "USD"/g)].map((m) => m[1]);
    expect(written).toHaveLength(claims.length);
    const expected = written.reduce((sum, amount) => sum + cents(amount), 0n);

    const [{ sum }] = await service.orm.em.fork().getConnection().execute(`select sum("total_minor_units")::text as "sum" from "billing"."claim"`);
    expect(BigInt(sum)).toBe(expected);

    // and through the API: the patient's claims, every page, added up from their decimal strings
    let total = 0n;
    let after: string | null = null;
    do {
      const data: any = await graphqlOk(service.url, `query ($after: String) { _entities(representations: [{ __typename: "Patient", id: "${patientId}" }]) {
        ... on Patient { claims(first: 40, after: $after) { edges { node { total { amount currency } } } pageInfo { hasNextPage endCursor } } } } }`, { after }, { principal: billing });
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

  it('serves the imported claims to the patient and to billing staff, not to clinicians or strangers', async () => {
    const query = `{ _entities(representations: [{ __typename: "Patient", id: "${patientId}" }]) { ... on Patient { claims { totalCount } } } }`;
    const countFor = async (principal: UserPrincipal) => {
      const response = await graphql(service.url, query, {}, { principal });
      expect(response.errors).toBeUndefined();
      return response.data._entities[0].claims?.totalCount ?? null;
    };
    expect(await countFor(billing)).toBe(claims.length);
    expect(await countFor(patientUser(patientId))).toBe(claims.length);
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
        status: 'submitted',
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
