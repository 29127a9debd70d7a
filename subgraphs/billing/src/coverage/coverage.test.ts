import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, partnerApp, patientUser, staff, withSql } from '../../../../test/support/principals';
import { graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { Payer, PayerKind } from '../payer/payer.entity';
import { billingSubgraph } from '../subgraph';
import { Coverage, CoverageStatus, SubscriberRelationship } from './coverage.entity';

describe('billing subgraph: Patient.coverages', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let organizationId: string;
  let medicare: Payer;
  let plan: Payer;

  beforeAll(async () => {
    db = await createTestDatabase('coverages');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    service = await startTestSubgraph(billingSubgraph, db.url);
    organizationId = await insertOrganization(db.url);
    const em = service.orm.em.fork();
    medicare = em.create(Payer, { name: `Medicare ${randomUUID().slice(0, 6)}`, kind: PayerKind.INSURER });
    plan = em.create(Payer, { name: `Harbor Gold ${randomUUID().slice(0, 6)}`, kind: PayerKind.INSURER });
    await em.flush();
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  /** A patient registered at the organization with a secondary plan and primary Medicare (written in that order). */
  async function insuredPatient(): Promise<{ patientId: string; primary: string; secondary: string }> {
    const patientId = await insertPatient(db.url, [organizationId]);
    const em = service.orm.em.fork();
    const secondary = em.create(Coverage, {
      patientId, payerId: plan.id, planName: 'Gold PPO', memberId: 'HG-1', subscriberId: 'SUB-9', relationship: SubscriberRelationship.SPOUSE,
      status: CoverageStatus.ACTIVE, benefitOrder: 2, periodStart: new Date('2025-01-01T00:00:00Z'),
    });
    const primary = em.create(Coverage, { patientId, payerId: medicare.id, memberId: '1EG4-TE5-MK73', status: CoverageStatus.ACTIVE, benefitOrder: 1 });
    await em.flush();
    return { patientId, primary: primary.id, secondary: secondary.id };
  }

  const COVERAGES = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    coverages { id status benefitOrder planName memberId subscriberId relationship periodStart periodEnd payer { id name kind } patient { id } } } } }`;
  const coveragesOf = async (patientId: string, principal: Principal) => (await graphqlOk(service.url, COVERAGES, { id: patientId }, { principal }))._entities[0].coverages;
  const idsSeenBy = async (patientId: string, principal: Principal) => (await coveragesOf(patientId, principal))?.map((c: { id: string }) => c.id) ?? null;

  it('lists the coverages in order of benefits, each with its payer', async () => {
    const { patientId, primary, secondary } = await insuredPatient();
    expect(await coveragesOf(patientId, staff('billing', organizationId))).toEqual([
      { id: primary, status: 'ACTIVE', benefitOrder: 1, planName: null, memberId: '1EG4-TE5-MK73', subscriberId: null, relationship: 'SELF',
        periodStart: null, periodEnd: null, payer: { id: medicare.id, name: medicare.name, kind: 'INSURER' }, patient: { id: patientId } },
      { id: secondary, status: 'ACTIVE', benefitOrder: 2, planName: 'Gold PPO', memberId: 'HG-1', subscriberId: 'SUB-9', relationship: 'SPOUSE',
        periodStart: '2025-01-01T00:00:00.000Z', periodEnd: null, payer: { id: plan.id, name: plan.name, kind: 'INSURER' }, patient: { id: patientId } },
    ]);
  });

  it('answers a visible patient without coverage with an empty list, an unknown one with null', async () => {
    const billing = staff('billing', organizationId);
    expect(await coveragesOf(await insertPatient(db.url, [organizationId]), billing)).toEqual([]);
    expect(await coveragesOf(randomUUID(), billing)).toBeNull();
  });

  it('shows them to the patient, billing staff and partner apps with a Coverage read scope; not to clinicians, other patients or other organizations', async () => {
    const { patientId, primary, secondary } = await insuredPatient();
    const both = [primary, secondary];
    expect(await idsSeenBy(patientId, patientUser(patientId))).toEqual(both);
    expect(await idsSeenBy(patientId, partnerApp(organizationId, ['system/Coverage.read']))).toEqual(both);
    expect(await idsSeenBy(patientId, partnerApp(organizationId, ['system/Claim.read']))).toBeNull();
    expect(await idsSeenBy(patientId, staff('physician', organizationId))).toBeNull();
    expect(await idsSeenBy(patientId, staff('nurse', organizationId))).toBeNull();
    expect(await idsSeenBy(patientId, patientUser(randomUUID()))).toBeNull();
    const elsewhere = await insertOrganization(db.url);
    expect(await idsSeenBy(patientId, staff('billing', elsewhere))).toBeNull();
    await insertConsent(db.url, patientId, elsewhere, 'billing');
    expect(await idsSeenBy(patientId, staff('billing', elsewhere))).toEqual(both);
  });

  it('audits the read and the refusal', async () => {
    const { patientId } = await insuredPatient();
    const clerk = staff('billing', organizationId);
    const physician = staff('physician', organizationId);
    await coveragesOf(patientId, clerk);
    await coveragesOf(patientId, physician);
    const rows = async () => withSql(db.url, (sql) => sql(
      `select actor_id, action, outcome, record_types, detail->>'count' as count from audit.event where patient_id = $1 order by id`, [patientId]));
    // the gate writes its rows once the response is on its way
    for (let i = 0; i < 50 && (await rows()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await rows()).toEqual([
      expect.objectContaining({ actor_id: clerk.userId, action: 'read', outcome: 'success', record_types: ['Coverage'] }),
      expect.objectContaining({ actor_id: physician.userId, action: 'read', outcome: 'denied', record_types: ['Coverage'] }),
    ]);
  });
});
