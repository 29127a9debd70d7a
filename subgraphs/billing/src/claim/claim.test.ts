import { randomUUID } from 'node:crypto';
import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, type UserPrincipal } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { billingSubgraph } from '../subgraph';
import { Claim, ClaimStatus } from './claim.entity';

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

  const providerId = randomUUID();
  /** Claims arrive by FHIR import until the billing issue adds mutations: seed rows directly. */
  async function seed(patientId: string, createdAt: string, extra: Partial<Claim> = {}): Promise<string> {
    const em = service.orm.em.fork();
    const claim = em.create(Claim, {
      patientId,
      providerOrganizationId: providerId,
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

  const PATIENT_CLAIMS = `query ($id: ID!, $first: Int, $after: String, $status: ClaimStatus) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { claims(first: $first, after: $after, status: $status) {
        totalCount edges { node { id status createdAt } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const claimsOf = async (id: string, args: Record<string, unknown> = {}) => (await graphqlOk(service.url, PATIENT_CLAIMS, { id, ...args }))._entities[0].claims;

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
      provider: { id: providerId },
      encounter: { id: encounterId },
    });
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
    const seenBy = async (principal: UserPrincipal, patientId: string, claimId: string) => {
      const [byId, entity, list] = await Promise.all([
        callOk(service.url, CLAIM, { id: claimId }, { principal }),
        callOk(service.url, ENTITIES, { id: claimId }, { principal }),
        callOk(service.url, LIST, { id: patientId }, { principal }),
      ]);
      return { byId: byId.claim, entity: entity._entities[0], list: list._entities[0].claims };
    };
    const NOTHING = { byId: null, entity: null, list: null };
    const everything = (id: string) => ({ byId: { id }, entity: { id }, list: { totalCount: 1, edges: [{ node: { id } }] } });

    it('shows billing staff of the registering organization the claims', async () => {
      const patientId = await newPatient();
      const id = await seed(patientId, '2024-07-01T00:00:00Z');
      expect(await seenBy(staff('billing', organizationId), patientId, id)).toEqual(everything(id));
    });

    it('hides them from billing staff elsewhere until the patient consents to share billing (a clinical consent is not enough)', async () => {
      const patientId = await newPatient();
      const id = await seed(patientId, '2024-07-02T00:00:00Z');
      const elsewhere = await insertOrganization(db.url);
      const clerk = staff('billing', elsewhere);
      expect(await seenBy(clerk, patientId, id)).toEqual(NOTHING);
      await insertConsent(db.url, patientId, elsewhere, 'clinical');
      expect(await seenBy(clerk, patientId, id)).toEqual(NOTHING);
      await insertConsent(db.url, patientId, elsewhere, 'billing');
      expect(await seenBy(clerk, patientId, id)).toEqual(everything(id));
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
