import { randomUUID } from 'node:crypto';
import type { Principal, RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, insertPatient, partnerApp, patientUser, staff } from '../../../../test/support/principals';
import { graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { Claim, ClaimOutcome, ClaimStatus } from '../claim/claim.entity';
import { Payer, PayerKind } from '../payer/payer.entity';
import { billingSubgraph } from '../subgraph';

describe('billing subgraph: Patient.balance', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let hospital: string;
  let clinic: string;
  let insurer: Payer;
  let selfPay: Payer;

  beforeAll(async () => {
    db = await createTestDatabase('balances');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    service = await startTestSubgraph(billingSubgraph, db.url);
    hospital = await insertOrganization(db.url);
    clinic = await insertOrganization(db.url);
    const em = service.orm.em.fork();
    insurer = em.create(Payer, { name: `Keystone ${randomUUID().slice(0, 6)}`, kind: PayerKind.INSURER });
    selfPay = em.create(Payer, { name: `Self-pay ${randomUUID().slice(0, 6)}`, kind: PayerKind.SELF_PAY });
    await em.flush();
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  async function claim(patientId: string, providerOrganizationId: string, fields: Partial<Claim>): Promise<void> {
    const em = service.orm.em.fork();
    em.create(Claim, {
      patientId, providerOrganizationId, status: ClaimStatus.SUBMITTED, typeCode: 'professional', createdAt: new Date('2026-09-01T00:00:00Z'),
      currency: 'USD', payerId: insurer.id, ...fields,
    } as Claim);
    await em.flush();
  }
  const adjudicated = (payer: bigint, payerPaid: bigint, patient: bigint, patientPaid: bigint): Partial<Claim> => ({
    status: ClaimStatus.ADJUDICATED, outcome: ClaimOutcome.PAID, totalMinorUnits: payer + patient, allowedMinorUnits: payer + patient,
    payerAmountMinorUnits: payer, payerPaidMinorUnits: payerPaid, patientResponsibilityMinorUnits: patient, patientPaidMinorUnits: patientPaid,
  });

  /** A patient of both organizations with claims in every state that owes something, or nothing. */
  async function patientWithClaims(): Promise<string> {
    const patientId = await insertPatient(db.url, [hospital, clinic]);
    await claim(patientId, hospital, { totalMinorUnits: 10000n }); // awaiting the insurer: 100.00
    await claim(patientId, hospital, adjudicated(6000n, 0n, 4000n, 1000n)); // insurer 60.00, patient 30.00
    await claim(patientId, hospital, { totalMinorUnits: 5000n, payerId: selfPay.id }); // self-pay: the patient's 50.00
    await claim(patientId, hospital, { totalMinorUnits: 3000n, currency: 'EUR' }); // insurer EUR 30.00
    await claim(patientId, hospital, adjudicated(2500n, 2500n, 500n, 500n)); // settled
    await claim(patientId, hospital, { ...adjudicated(2500n, 0n, 500n, 0n), status: ClaimStatus.CLOSED }); // written off
    await claim(patientId, clinic, adjudicated(2000n, 2000n, 1500n, 0n)); // the clinic's: patient 15.00
    return patientId;
  }

  const BALANCE = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    balance { patientOwes { amount currency } insuranceOwes { amount currency } total { amount currency } openClaims } } } }`;
  const balanceOf = async (patientId: string, principal: Principal) => (await graphqlOk(service.url, BALANCE, { id: patientId }, { principal }))._entities[0].balance;
  const usd = (amount: string) => ({ amount, currency: 'USD' });
  const eur = (amount: string) => ({ amount, currency: 'EUR' });

  it('shows the patient everything they and their insurers owe, per currency', async () => {
    const patientId = await patientWithClaims();
    expect(await balanceOf(patientId, patientUser(patientId))).toEqual({
      patientOwes: [usd('95.00')],
      insuranceOwes: [eur('30.00'), usd('160.00')],
      total: [eur('30.00'), usd('255.00')],
      openClaims: 5,
    });
  });

  it("shows billing staff and partner apps what is owed to their organization only", async () => {
    const patientId = await patientWithClaims();
    const hospitalView = { patientOwes: [usd('80.00')], insuranceOwes: [eur('30.00'), usd('160.00')], total: [eur('30.00'), usd('240.00')], openClaims: 4 };
    expect(await balanceOf(patientId, staff('billing', hospital))).toEqual(hospitalView);
    expect(await balanceOf(patientId, partnerApp(hospital, ['system/Claim.read']))).toEqual(hospitalView);
    expect(await balanceOf(patientId, staff('billing', clinic))).toEqual({ patientOwes: [usd('15.00')], insuranceOwes: [], total: [usd('15.00')], openClaims: 1 });
  });

  it('equals a plain SQL sum of the outstanding columns', async () => {
    const patientId = await patientWithClaims();
    const [sums] = await service.orm.em.fork().getConnection().execute(
      `select sum(outstanding_minor_units)::text as total from billing.claim where patient_id = ? and currency = 'USD'`, [patientId]);
    const balance = await balanceOf(patientId, patientUser(patientId));
    expect(balance.total.find((money: { currency: string }) => money.currency === 'USD').amount.replace('.', '')).toBe(sums.total);
  });

  it('answers a patient who owes nothing with empty lists, and hides the balance from clinicians, other patients and strangers', async () => {
    const settled = await insertPatient(db.url, [hospital]);
    await claim(settled, hospital, adjudicated(100n, 100n, 0n, 0n));
    expect(await balanceOf(settled, staff('billing', hospital))).toEqual({ patientOwes: [], insuranceOwes: [], total: [], openClaims: 0 });
    const patientId = await patientWithClaims();
    expect(await balanceOf(patientId, staff('physician', hospital))).toBeNull();
    expect(await balanceOf(patientId, staff('billing', await insertOrganization(db.url)))).toBeNull();
    expect(await balanceOf(patientId, partnerApp(hospital, ['system/Coverage.read']))).toBeNull();
    expect(await balanceOf(patientId, patientUser(randomUUID()))).toBeNull();
    expect(await balanceOf(randomUUID(), staff('billing', hospital))).toBeNull();
  });
});
