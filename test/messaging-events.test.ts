import { randomUUID } from 'node:crypto';
import { generateSigningKeyPair, type RunningSubgraph } from '@caregraph/platform';
import { CARE_GAP_OPENED_TOPIC as CARE_GAP_PRODUCED } from '../subgraphs/clinical/src/care-gaps/care-gap.events';
import { MONITORING_ALERT_TOPIC as ALERT_PRODUCED } from '../subgraphs/clinical/src/monitoring/monitoring-alert.events';
import { clinicalSubgraph } from '../subgraphs/clinical/src/subgraph';
import { createIdentitySubgraph } from '../subgraphs/identity/src/subgraph';
import { ACCOUNT_TOPIC as ACCOUNT_PRODUCED } from '../subgraphs/identity/src/user/account-events';
import { ACCESS_NARROWING_TOPIC as NARROWING_CONSUMED } from '../subgraphs/messaging/src/access-narrowing/access-narrowing.consumer';
import { ACCOUNT_TOPIC as ACCOUNT_CONSUMED, PATIENT_REGISTRATIONS_TOPIC as REGISTRATIONS_CONSUMED } from '../subgraphs/messaging/src/directory/directory.events';
import { MENTION_TOPIC as MENTION_CONSUMED } from '../subgraphs/messaging/src/notifications/mentions';
import { CARE_GAP_OPENED_TOPIC as CARE_GAP_CONSUMED, MONITORING_ALERT_TOPIC as ALERT_CONSUMED } from '../subgraphs/messaging/src/notifications/notification.consumer';
import { MENTION_TOPIC as MENTION_PRODUCED } from '../subgraphs/messaging/src/comment/comment-events';
import { ACCESS_NARROWING_TOPIC as NARROWING_PRODUCED } from '../subgraphs/patients/src/access/access-narrowing-events';
import { PATIENT_REGISTRATIONS_TOPIC as REGISTRATIONS_PRODUCED } from '../subgraphs/patients/src/registration/registration-events';
import { patientsSubgraph } from '../subgraphs/patients/src/subgraph';
import { createTestDatabase } from './support/database';
import { eventually } from './support/eventually';
import { messagingWithHub, recordingLiveHub } from './support/messaging';
import { insertConsent, insertOrganization, staff, withSql, type UserPrincipal } from './support/principals';
import { graphqlOk, startTestSubgraph } from './support/services';

jest.setTimeout(120_000);

/**
 * What the messaging subgraph keeps and notifies comes from other services' events: staff accounts
 * (identity), registrations and access narrowing (patients), monitoring alerts and care gaps
 * (clinical). None reads another's schema, so this runs the real producers and the real consumers.
 */
describe('events into the messaging subgraph: producers and consumers agree', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let clinical: RunningSubgraph;
  let identity: RunningSubgraph;
  let messaging: RunningSubgraph;
  const live = recordingLiveHub();
  let orgA: string;
  let orgB: string;
  let adminA: UserPrincipal;
  let physicianA: UserPrincipal;

  beforeAll(async () => {
    db = await createTestDatabase('messaging_events');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    clinical = await startTestSubgraph(clinicalSubgraph, db.url);
    identity = await startTestSubgraph(createIdentitySubgraph({ signingKey: generateSigningKeyPair().privateKey }), db.url);
    messaging = await startTestSubgraph(messagingWithHub(live), db.url);
    orgA = await insertOrganization(db.url);
    orgB = await insertOrganization(db.url);
    adminA = staff('org_admin', orgA);
    physicianA = staff('physician', orgA);
  });
  afterAll(async () => {
    await messaging?.close();
    await identity?.close();
    await clinical?.close();
    await patients?.close();
    await db?.drop();
  });

  const sql = (text: string, params: unknown[] = []) => withSql(db.url, (q) => q(text, params));
  const directoryRow = async (userId: string) => (await sql('select role, organization_id, practitioner_id, display_name, active from messaging.directory_account where user_id = $1', [userId]))[0];
  /** An account created the real way: an org admin through identity's GraphQL. */
  async function createAccount(admin: UserPrincipal, role: string, extra: Record<string, unknown> = {}): Promise<string> {
    const input = { email: `${randomUUID().slice(0, 8)}@hospital.test`, password: 'a long enough password', role, displayName: `${role} ${randomUUID().slice(0, 4)}`, ...extra };
    return (await graphqlOk(identity.url, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, { input }, { principal: admin })).createUser.id;
  }
  async function createPatient(by: UserPrincipal): Promise<string> {
    return (await graphqlOk(patients.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`,
      { input: { names: [{ family: 'Events', given: ['Eve'] }], birthDate: '1960-05-06', gender: 'FEMALE' } }, { principal: by })).createPatient.id;
  }
  const pendingRechecks = async (patientId: string) => (await sql('select due_at from messaging.access_recheck where patient_id = $1', [patientId])).map((row) => new Date(row.due_at).toISOString());
  const notificationsFor = (sourcePrefix: string, patientId: string) =>
    sql(`select user_id, kind, refs from messaging.notification where patient_id = $1 and source_key like $2 order by user_id`, [patientId, `${sourcePrefix}%`]);

  it('each topic is named the same by its producer and by messaging', () => {
    expect(ACCOUNT_CONSUMED).toBe(ACCOUNT_PRODUCED);
    expect(REGISTRATIONS_CONSUMED).toBe(REGISTRATIONS_PRODUCED);
    expect(NARROWING_CONSUMED).toBe(NARROWING_PRODUCED);
    expect(ALERT_CONSUMED).toBe(ALERT_PRODUCED);
    expect(CARE_GAP_CONSUMED).toBe(CARE_GAP_PRODUCED);
    expect(MENTION_CONSUMED).toBe(MENTION_PRODUCED);
  });

  it('staff accounts created, changed and deactivated in identity are the messaging directory; patient accounts are not', async () => {
    const practitionerId = randomUUID();
    const userId = await createAccount(adminA, 'NURSE', { practitionerId, displayName: 'Nurse Nora' });
    expect(await eventually(() => directoryRow(userId), 'the new account'))
      .toEqual({ role: 'nurse', organization_id: orgA, practitioner_id: practitionerId, display_name: 'Nurse Nora', active: true });

    await graphqlOk(identity.url, `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { id } }`, { input: { id: userId, displayName: 'Charge Nurse Nora', role: 'PHYSICIAN' } }, { principal: adminA });
    expect(await eventually(async () => {
      const row = await directoryRow(userId);
      return row?.display_name === 'Charge Nurse Nora' ? row : null;
    }, 'the change')).toMatchObject({ role: 'physician', practitioner_id: practitionerId });

    await graphqlOk(identity.url, `mutation ($id: ID!) { deactivateUser(id: $id) { id } }`, { id: userId }, { principal: adminA });
    await eventually(async () => (await directoryRow(userId))?.active === false, 'the deactivation');

    const patientAccount = await createAccount(adminA, 'PATIENT', { patientId: randomUUID() });
    const marker = await createAccount(adminA, 'BILLING'); // published after the patient account
    await eventually(() => directoryRow(marker), 'the later account');
    expect(await directoryRow(patientAccount)).toBeUndefined();
  });

  it('registrations are the care-team copy; an ended registration rechecks the chart at once', async () => {
    const patientId = await createPatient(physicianA);
    const registrations = async () => (await sql('select organization_id from messaging.patient_registration where patient_id = $1 order by organization_id', [patientId])).map((row) => row.organization_id);
    await eventually(async () => (await registrations()).length === 1, 'the first registration');
    expect(await registrations()).toEqual([orgA]);

    await insertConsent(db.url, patientId, orgB, 'clinical'); // lets B's physician register a referred patient
    const registration = (await graphqlOk(patients.url, `mutation ($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`,
      { input: { patientId, organizationId: orgB, mrn: `B-${randomUUID().slice(0, 6)}` } }, { principal: staff('physician', orgB) })).registerPatient;
    await eventually(async () => (await registrations()).length === 2, 'the second registration');
    expect(await registrations()).toEqual([orgA, orgB].sort());
    expect(live.rechecks).not.toContain(patientId);

    await graphqlOk(patients.url, `mutation ($input: UpdateRegistrationInput!) { updateRegistration(input: $input) { id } }`,
      { input: { id: registration.id, status: 'INACTIVE' } }, { principal: staff('org_admin', orgB) });
    await eventually(() => live.rechecks.includes(patientId), 'the recheck of the ended registration');
    // the care-team copy is a separate consumer of a separate topic: it follows, in its own time
    await eventually(async () => (await registrations()).length === 1, 'the ended registration leaving the copy');
    expect(await registrations()).toEqual([orgA]);
  });

  it('a consent revoked rechecks the chart at once; consents with an end date and break-glass are rechecked when they expire', async () => {
    const patientId = await createPatient(physicianA);
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    const GRANT = `mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id expiresAt } }`;
    const consent = (await graphqlOk(patients.url, GRANT, { input: { patientId, organizationId: orgB, category: 'CLINICAL', expiresAt } }, { principal: physicianA })).grantConsent;
    await eventually(async () => (await pendingRechecks(patientId)).length === 1, 'the recheck at the consent\'s end');
    expect(await pendingRechecks(patientId)).toEqual([new Date(consent.expiresAt).toISOString()]);
    expect(live.rechecks).not.toContain(patientId);

    await graphqlOk(patients.url, `mutation ($id: ID!) { revokeConsent(id: $id) { id } }`, { id: consent.id }, { principal: physicianA });
    await eventually(() => live.rechecks.includes(patientId), 'the recheck of the revocation');

    const other = await createPatient(physicianA);
    const orgC = await insertOrganization(db.url);
    const window = (await graphqlOk(patients.url, `mutation ($patientId: ID!, $reason: String!) { breakGlass(patientId: $patientId, reason: $reason) { expiresAt } }`,
      { patientId: other, reason: 'Unconscious in the ER, allergies unknown' }, { principal: staff('physician', orgC) })).breakGlass;
    await eventually(async () => (await pendingRechecks(other)).length === 1, 'the recheck at the end of break-glass');
    expect(await pendingRechecks(other)).toEqual([new Date(window.expiresAt).toISOString()]);
    expect(live.rechecks).not.toContain(other);
  });

  describe('clinical alerts reach the care team live', () => {
    let patientId: string;
    let team: string[];
    let outsider: string;

    beforeAll(async () => {
      patientId = await createPatient(physicianA);
      team = [await createAccount(adminA, 'PHYSICIAN'), await createAccount(adminA, 'NURSE')];
      await createAccount(adminA, 'BILLING');
      outsider = await createAccount(staff('org_admin', orgB), 'PHYSICIAN');
      await eventually(async () => (await sql('select 1 from messaging.directory_account where user_id = $1', [outsider])).length, 'the directory');
      await eventually(async () => (await sql('select 1 from messaging.patient_registration where patient_id = $1', [patientId])).length, 'the registration');
    });
    const pushedTo = (userId: string, kind: string) => live.toUsers.filter((entry) => entry.userId === userId && entry.event === 'notification:new' && entry.payload.kind === kind && entry.payload.patientId === patientId);

    it('a device reading beyond a threshold: each physician and nurse of the registered organization is notified', async () => {
      await graphqlOk(clinical.url, `mutation ($input: SetMonitoringThresholdInput!) { setMonitoringThreshold(input: $input) { id } }`,
        { input: { patientId, code: '2339-0', high: 180, unit: 'mg/dL' } }, { principal: physicianA });
      const { recordDeviceReadings } = await graphqlOk(clinical.url, `mutation ($input: RecordDeviceReadingsInput!) { recordDeviceReadings(input: $input) { alerts { id } } }`, {
        input: { patientId, device: { identifier: 'GLU-77' }, readings: [{ readingId: randomUUID(), code: { system: 'http://loinc.org', code: '2339-0' }, value: 250, unit: 'mg/dL', effectiveAt: new Date(Date.now() - 60_000).toISOString() }] },
      }, { principal: physicianA });
      const [alert] = recordDeviceReadings.alerts;
      await eventually(() => team.every((userId) => pushedTo(userId, 'MONITORING_ALERT').length === 1), 'live delivery to the care team');
      expect(pushedTo(team[0], 'MONITORING_ALERT')[0].payload.monitoringAlert).toEqual({ alertId: alert.id, code: '2339-0', direction: 'HIGH', organizationId: orgA });
      expect((await notificationsFor('monitoring-alert:', patientId)).map((row) => row.user_id).sort()).toEqual([...team].sort());
      expect(pushedTo(outsider, 'MONITORING_ALERT')).toHaveLength(0);
    });

    it('a chart write that opens a care gap (diabetes: HbA1c) notifies them once; writing it again opens nothing new', async () => {
      const RECORD = `mutation ($input: RecordConditionInput!) { recordCondition(input: $input) { id } }`;
      const diabetes = (code: string) => ({ patientId, code: { system: 'http://snomed.info/sct', code }, clinicalStatus: 'ACTIVE' });
      await graphqlOk(clinical.url, RECORD, { input: diabetes('44054006') }, { principal: physicianA });
      await eventually(() => team.every((userId) => pushedTo(userId, 'CARE_GAP').some((entry) => entry.payload.careGap.ruleCode === 'hba1c-diabetes')), 'the HbA1c gap');
      const gap = pushedTo(team[0], 'CARE_GAP').find((entry) => entry.payload.careGap.ruleCode === 'hba1c-diabetes')!.payload.careGap;
      expect(gap).toMatchObject({ ruleId: expect.any(String), status: expect.stringMatching(/^(DUE|OVERDUE)$/), dueDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });

      const opened = () => sql(`select payload->>'ruleCode' as rule from events.event where topic = $1 and key = $2 order by id`, [CARE_GAP_PRODUCED, patientId]);
      const before = await opened();
      expect(before.map((row) => row.rule)).toContain('hba1c-diabetes');
      await graphqlOk(clinical.url, RECORD, { input: diabetes('73211009') }, { principal: physicianA });
      expect(await opened()).toEqual(before);
      expect((await notificationsFor('care-gap:', patientId)).filter((row) => row.refs.ruleCode === 'hba1c-diabetes').map((row) => row.user_id).sort()).toEqual([...team].sort());
      expect(pushedTo(outsider, 'CARE_GAP')).toHaveLength(0);
    });
  });
});
