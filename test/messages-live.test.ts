import { randomUUID } from 'node:crypto';
import { createMessagingSubgraph } from '@caregraph/messaging';
import type { RunningSubgraph } from '@caregraph/platform';
import { clinicalSubgraph } from '../subgraphs/clinical/src/subgraph';
import { patientsSubgraph } from '../subgraphs/patients/src/subgraph';
import { createTestDatabase } from './support/database';
import { connectDirect, nextEvent, pause, record, request, requestOk, type LiveClient } from './support/live';
import { eventually } from './support/eventually';
import { insertClinician } from './support/messaging';
import { insertOrganization, withSql, type UserPrincipal } from './support/principals';
import { graphqlOk, startTestSubgraph } from './support/services';

jest.setTimeout(120_000);

/**
 * Provider messages and notifications reaching real Socket.IO clients (socket.io-client) of the
 * messaging service: each signed-in socket is in its user's room, where `message:new`,
 * `thread:read` and `notification:new` go; and chart rooms decided again when the patients service
 * says access narrowed.
 */
describe('messages and notifications live over Socket.IO', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let clinical: RunningSubgraph;
  let messaging: RunningSubgraph;
  let hospitalA: string;
  let hospitalB: string;
  let drA: UserPrincipal;
  let nurseA: UserPrincipal;
  let drB: UserPrincipal;
  const practitionerOfB = randomUUID();
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('messages_live');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    clinical = await startTestSubgraph(clinicalSubgraph, db.url);
    messaging = await startTestSubgraph(createMessagingSubgraph(), db.url);
    hospitalA = await insertOrganization(db.url);
    hospitalB = await insertOrganization(db.url);
    drA = await insertClinician(db.url, hospitalA, { displayName: 'Dr A' });
    nurseA = await insertClinician(db.url, hospitalA, { role: 'nurse' });
    drB = await insertClinician(db.url, hospitalB, { practitionerId: practitionerOfB, displayName: 'Dr B' });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await messaging?.close();
    await clinical?.close();
    await patients?.close();
    await db?.drop();
  });

  const open = async (principal: UserPrincipal) => {
    const client = await connectDirect(messaging.url, principal);
    clients.push(client);
    return client;
  };
  const ok = (principal: UserPrincipal, query: string, variables: Record<string, unknown> = {}) => graphqlOk(messaging.url, query, variables, { principal });
  /** A patient of hospital A (through the patients API, so its registration event flows) who consented to hospital B. */
  const sharedPatient = async () => {
    const patientId = (await graphqlOk(patients.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`,
      { input: { names: [{ family: 'Live', given: ['Lee'] }], birthDate: '1970-02-03', gender: 'MALE' } }, { principal: drA })).createPatient.id as string;
    const consentId = (await graphqlOk(patients.url, `mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id } }`,
      { input: { patientId, organizationId: hospitalB, category: 'CLINICAL' } }, { principal: drA })).grantConsent.id as string;
    return { patientId, consentId };
  };
  const startThread = async (by: UserPrincipal, participantUserIds: string[], patientId?: string) =>
    (await ok(by, `mutation ($input: StartThreadInput!) { startThread(input: $input) { id } }`, { input: { kind: 'GROUP', participantUserIds, patientId } })).startThread.id as string;

  it('a message sent through GraphQL reaches the other participant\'s socket, and their read receipt comes back to the sender\'s', async () => {
    const { patientId } = await sharedPatient();
    const threadId = await startThread(drA, [drB.userId], patientId);
    const a = await open(drA);
    const b = await open(drB);

    const arriving = nextEvent(b, 'message:new', (payload) => payload.threadId === threadId);
    const { sendMessage } = await ok(drA, `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id createdAt } }`,
      { input: { threadId, body: 'Potassium 5.9 this morning: repeat today?', clientMessageId: randomUUID() } });
    expect(await arriving).toEqual({
      threadId,
      message: expect.objectContaining({ id: sendMessage.id, senderUserId: drA.userId, senderOrganizationId: hospitalA, body: 'Potassium 5.9 this morning: repeat today?', createdAt: sendMessage.createdAt }),
    });

    const receipt = nextEvent(a, 'thread:read', (payload) => payload.userId === drB.userId);
    const ack = await requestOk(b, 'message:read', { threadId });
    expect(ack).toEqual({ threadId, userId: drB.userId, lastReadMessageId: sendMessage.id, lastReadAt: expect.any(String) });
    expect(await receipt).toEqual(ack);
  });

  it('message:send over a socket is acked with the stored message and delivered once; a retry is acked the same; bad payloads get an error ack and the socket stays usable', async () => {
    const threadId = await startThread(drA, [nurseA.userId]);
    const a = await open(drA);
    const nurse = await open(nurseA);
    const seenByNurse = record(nurse);

    const clientMessageId = randomUUID();
    const first = await requestOk(a, 'message:send', { threadId, body: 'Bed 4 needs a fall-risk review', clientMessageId });
    expect(first).toMatchObject({ threadId, body: 'Bed 4 needs a fall-risk review', clientMessageId, senderUserId: drA.userId });
    expect(await requestOk(a, 'message:send', { threadId, body: 'Bed 4 needs a fall-risk review', clientMessageId })).toEqual(first);

    expect(await request(a, 'message:send', { threadId, body: 'x'.repeat(5001), clientMessageId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', field: 'body' } });
    expect(await request(a, 'message:send', 'not an object')).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', field: 'payload' } });
    expect(await request(a, 'message:send', { threadId: randomUUID(), body: 'to nowhere', clientMessageId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'threadId' } });
    const after = await requestOk(a, 'message:send', { threadId, body: 'still here', clientMessageId: randomUUID() });

    await eventually(() => seenByNurse.events.filter((entry) => entry.event === 'message:new').length === 2, 'both messages at the nurse');
    await pause(200);
    expect(seenByNurse.events.filter((entry) => entry.event === 'message:new').map((entry) => entry.payload.message.id)).toEqual([first.id, after.id]);
    const rows = await withSql(db.url, (sql) => sql('select count(*)::int as n from messaging.provider_message where thread_id = $1', [threadId]));
    expect(rows[0].n).toBe(2);
  });

  it('a mention in a chart comment notifies the mentioned clinician\'s socket live', async () => {
    const { patientId } = await sharedPatient();
    const b = await open(drB);
    const notified = nextEvent(b, 'notification:new', (payload) => payload.kind === 'MENTION' && payload.patientId === patientId);
    const comment = (await ok(drA, `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { id } }`,
      { input: { patientId, body: 'Dr B, can you take a look at the ECG?', mentions: [practitionerOfB] } })).addChartComment;
    expect(await notified).toMatchObject({ kind: 'MENTION', patientId, mention: { commentId: comment.id, authorUserId: drA.userId } });
    const mentionsOfB = async () => (await ok(drB, `{ myNotifications(unreadOnly: true) { unreadCount edges { node { kind mention { commentId comment { id body author { userId } } } } } } }`))
      .myNotifications.edges.map((edge: { node: unknown }) => edge.node);
    // the notification leads to the comment itself: who wrote what
    expect(await mentionsOfB()).toContainEqual({ kind: 'MENTION', mention: { commentId: comment.id, comment: { id: comment.id, body: 'Dr B, can you take a look at the ECG?', author: { userId: drA.userId } } } });
    // once deleted, the text is gone from the notification too
    await ok(drA, `mutation ($input: DeleteChartCommentInput!) { deleteChartComment(input: $input) { id } }`, { input: { id: comment.id } });
    expect(await mentionsOfB()).toContainEqual({ kind: 'MENTION', mention: { commentId: comment.id, comment: null } });
  });

  it('a monitoring alert reaches the care team\'s sockets live, and after a messaging restart the missed one is in myNotifications', async () => {
    const { patientId } = await sharedPatient();
    await eventually(async () => (await withSql(db.url, (sql) => sql('select 1 from messaging.patient_registration where patient_id = $1', [patientId]))).length, 'the registration copy');
    await graphqlOk(clinical.url, `mutation ($input: SetMonitoringThresholdInput!) { setMonitoringThreshold(input: $input) { id } }`,
      { input: { patientId, code: '8480-6', high: 160, unit: 'mm[Hg]' } }, { principal: drA });
    const reading = (systolic: number) => graphqlOk(clinical.url, `mutation ($input: RecordDeviceReadingsInput!) { recordDeviceReadings(input: $input) { alerts { id } } }`, {
      input: {
        patientId, device: { identifier: 'BPM-1' },
        readings: [{ readingId: randomUUID(), code: { system: 'http://loinc.org', code: '85354-9' }, effectiveAt: new Date(Date.now() - 60_000).toISOString(),
          components: [{ code: { system: 'http://loinc.org', code: '8480-6' }, value: systolic, unit: 'mm[Hg]' }, { code: { system: 'http://loinc.org', code: '8462-4' }, value: 90, unit: 'mm[Hg]' }] }],
      },
    }, { principal: drA });

    // recording from before each reading: the notification may reach a socket before the mutation's response reaches us
    const seenByA = record(await open(drA));
    const seenByNurse = record(await open(nurseA));
    const seenByB = record(await open(drB));
    const alerted = (seen: ReturnType<typeof record>, alertId: string) =>
      seen.events.some((entry) => entry.event === 'notification:new' && entry.payload.monitoringAlert?.alertId === alertId);
    const first = (await reading(172)).recordDeviceReadings.alerts[0];
    await eventually(() => alerted(seenByA, first.id) && alerted(seenByNurse, first.id), 'the alert at both care-team sockets');
    await pause(200);
    expect(seenByB.events.filter((entry) => entry.event === 'notification:new')).toEqual([]); // B is not registered: not the care team

    await messaging.close();
    const missed = (await reading(181)).recordDeviceReadings.alerts[0];
    messaging = await startTestSubgraph(createMessagingSubgraph(), db.url);
    await eventually(async () => {
      const mine = (await ok(drA, `{ myNotifications { edges { node { monitoringAlert { alertId } } } } }`)).myNotifications;
      return mine.edges.some((edge: { node: { monitoringAlert: { alertId: string } | null } }) => edge.node.monitoringAlert?.alertId === missed.id);
    }, 'the alert published while messaging was down');
    const seenAgain = record(await open(drA));
    const next = (await reading(190)).recordDeviceReadings.alerts[0];
    await eventually(() => alerted(seenAgain, next.id), 'the next alert at the reconnected socket');
  });

  it('a consent revoked through the patients API removes the other hospital\'s socket from the chart room (patient.access-narrowing)', async () => {
    const { patientId, consentId } = await sharedPatient();
    const b = await open(drB);
    await requestOk(b, 'chart:join', { patientId });
    const removed = nextEvent(b, 'chart:removed');
    await graphqlOk(patients.url, `mutation ($id: ID!) { revokeConsent(id: $id) { id } }`, { id: consentId }, { principal: drA });
    expect(await removed).toEqual({ patientId, reason: 'ACCESS_REVOKED' });
    expect(await request(b, 'chart:join', { patientId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
