import { randomUUID } from 'node:crypto';
import {
  ASSERTION_HEADER, accessDecisionsUrl, createLogger, createRequestContext, remoteAccessPolicy, type AppError, type RunningSubgraph,
} from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { eventually } from '../../../../test/support/eventually';
import { insertClinician, messagingWithHub, recordingLiveHub } from '../../../../test/support/messaging';
import { insertConsent, insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { assertionHeaders, graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { createMessagingContext } from '../context';
import { messagesLiveExtension } from './thread.socket';

const START = `mutation ($input: StartThreadInput!) { startThread(input: $input) {
  id kind subject patient { id } createdByUserId participants { userId displayName role organizationId lastReadMessageId lastReadAt }
  lastMessage { id } messages(first: 1) { totalCount } } }`;
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id threadId body senderUserId senderDisplayName clientMessageId createdAt } }`;
const READ = `mutation ($input: MarkThreadReadInput!) { markThreadRead(input: $input) { userId lastReadMessageId lastReadAt } }`;
const THREADS = `query ($first: Int, $after: String) { messageThreads(first: $first, after: $after) {
  unreadCount totalCount edges { node { id unreadCount lastMessage { id } } } pageInfo { hasNextPage endCursor } } }`;
const THREAD = `query ($id: ID!, $first: Int, $after: String) { messageThread(id: $id) {
  id unreadCount participants { userId lastReadMessageId lastReadAt }
  messages(first: $first, after: $after) { totalCount edges { node { id body } } pageInfo { hasNextPage endCursor } } } }`;

describe('messaging subgraph: provider message threads', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  const live = recordingLiveHub();
  let orgA: string;
  let orgB: string;
  // A's physician and nurse, B's physicians; B may see `shared` (consent), not `aOnly`
  let aDoc: UserPrincipal;
  let aNurse: UserPrincipal;
  let bDoc: UserPrincipal;
  let bOther: UserPrincipal;
  let shared: string;
  let aOnly: string;

  beforeAll(async () => {
    db = await createTestDatabase('message_threads');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    service = await startTestSubgraph(messagingWithHub(live), db.url);
    orgA = await insertOrganization(db.url);
    orgB = await insertOrganization(db.url);
    aDoc = await insertClinician(db.url, orgA, { displayName: 'Dr Ada' });
    aNurse = await insertClinician(db.url, orgA, { role: 'nurse', displayName: 'Nurse Ann' });
    bDoc = await insertClinician(db.url, orgB, { displayName: 'Dr Bea' });
    bOther = await insertClinician(db.url, orgB);
    shared = await insertPatient(db.url, [orgA]);
    await insertConsent(db.url, shared, orgB, 'clinical');
    aOnly = await insertPatient(db.url, [orgA]);
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const as = (principal: UserPrincipal) => ({
    call: (query: string, variables: Record<string, unknown> = {}) => graphql(service.url, query, variables, { principal }),
    ok: (query: string, variables: Record<string, unknown> = {}) => graphqlOk(service.url, query, variables, { principal }),
  });
  const start = async (by: UserPrincipal, input: Record<string, unknown>) => (await as(by).ok(START, { input })).startThread;
  const send = async (by: UserPrincipal, threadId: string, body: string, clientMessageId: string = randomUUID()) =>
    (await as(by).ok(SEND, { input: { threadId, body, clientMessageId } })).sendMessage;
  const messageRows = (threadId: string) => withSql(db.url, (sql) => sql('select id from messaging.provider_message where thread_id = $1', [threadId]));
  const pushed = (userId: string, event: string) => live.toUsers.filter((entry) => entry.userId === userId && entry.event === event);

  it('starts a group thread within one organization without a patient, with the directory names of its participants', async () => {
    const thread = await start(aDoc, { kind: 'GROUP', participantUserIds: [aNurse.userId], subject: '  Rota for Monday  ' });
    expect(thread).toMatchObject({ kind: 'GROUP', subject: 'Rota for Monday', patient: null, createdByUserId: aDoc.userId });
    expect(thread.participants).toEqual(expect.arrayContaining([
      { userId: aDoc.userId, displayName: 'Dr Ada', role: 'PHYSICIAN', organizationId: orgA, lastReadMessageId: null, lastReadAt: null },
      { userId: aNurse.userId, displayName: 'Nurse Ann', role: 'NURSE', organizationId: orgA, lastReadMessageId: null, lastReadAt: null },
    ]));
    expect(thread.participants).toHaveLength(2);
    // the other participant hears of it live
    expect(pushed(aNurse.userId, 'thread:new').map((entry) => entry.payload.id)).toContain(thread.id);
  });

  it('across organizations only about a patient every participant may see: consent allows it, its absence refuses it', async () => {
    const noPatient = await as(aDoc).call(START, { input: { kind: 'DIRECT', participantUserIds: [bDoc.userId] } });
    expect(noPatient.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });

    const unseen = await as(aDoc).call(START, { input: { kind: 'GROUP', participantUserIds: [aNurse.userId, bDoc.userId], patientId: aOnly } });
    expect(unseen.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'participantUserIds', userIds: [bDoc.userId] });

    const hiddenFromCaller = await as(bDoc).call(START, { input: { kind: 'DIRECT', participantUserIds: [bOther.userId], patientId: aOnly } });
    expect(hiddenFromCaller.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });

    const thread = await start(aDoc, { kind: 'GROUP', participantUserIds: [aNurse.userId, bDoc.userId], patientId: shared });
    expect(thread).toMatchObject({ patient: { id: shared }, lastMessage: null, messages: { totalCount: 0 } });
    expect(thread.participants.map((p: { organizationId: string }) => p.organizationId).sort()).toEqual([orgA, orgA, orgB].sort());
    const refused = await withSql(db.url, (sql) => sql('select count(*)::int as n from messaging.message_thread where patient_id = $1', [aOnly]));
    expect(refused[0].n).toBe(0);
  });

  it('refuses unknown or inactive participants, non-clinicians, a direct thread of three, and listing yourself', async () => {
    const inactive = await insertClinician(db.url, orgA, { active: false });
    for (const participantUserIds of [[randomUUID()], [inactive.userId]] as string[][]) {
      const response = await as(aDoc).call(START, { input: { kind: 'GROUP', participantUserIds } });
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'participantUserIds' });
    }
    const three = await as(aDoc).call(START, { input: { kind: 'DIRECT', participantUserIds: [aNurse.userId, randomUUID()] } });
    expect(three.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'participantUserIds' });
    const self = await as(aDoc).call(START, { input: { kind: 'GROUP', participantUserIds: [aDoc.userId] } });
    expect(self.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'participantUserIds' });
    const billing = await graphql(service.url, START, { input: { kind: 'GROUP', participantUserIds: [aNurse.userId] } }, { principal: staff('billing', orgA) });
    expect(billing.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('keeps one direct thread per pair and patient, whoever starts it', async () => {
    const first = await start(aDoc, { kind: 'DIRECT', participantUserIds: [bDoc.userId], patientId: shared });
    const again = await start(bDoc, { kind: 'DIRECT', participantUserIds: [aDoc.userId], patientId: shared });
    expect(again.id).toBe(first.id);
    const other = await start(aDoc, { kind: 'DIRECT', participantUserIds: [aNurse.userId] });
    expect(other.id).not.toBe(first.id);
  });

  it('stores a retried message once: the same clientMessageId returns the stored message and broadcasts nothing new', async () => {
    const thread = await start(aDoc, { kind: 'GROUP', participantUserIds: [bDoc.userId], patientId: shared, subject: 'retry' });
    const clientMessageId = `retry-${randomUUID()}`;
    const sent = await send(aDoc, thread.id, '  Can you review the labs?  ', clientMessageId);
    expect(sent).toMatchObject({ threadId: thread.id, body: 'Can you review the labs?', senderUserId: aDoc.userId, senderDisplayName: 'Dr Ada', clientMessageId });
    const deliveredBefore = pushed(bDoc.userId, 'message:new').length;
    const retried = await Promise.all([send(aDoc, thread.id, 'Can you review the labs?', clientMessageId), send(aDoc, thread.id, 'Can you review the labs?', clientMessageId)]);
    expect(retried.map((message) => message.id)).toEqual([sent.id, sent.id]);
    expect(await messageRows(thread.id)).toHaveLength(1);
    expect(pushed(bDoc.userId, 'message:new')).toHaveLength(deliveredBefore);

    const elsewhere = await start(aDoc, { kind: 'GROUP', participantUserIds: [aNurse.userId], subject: 'elsewhere' });
    const reused = await as(aDoc).call(SEND, { input: { threadId: elsewhere.id, body: 'x', clientMessageId } });
    expect(reused.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'clientMessageId' });
    expect(await messageRows(elsewhere.id)).toHaveLength(0);
  });

  it('delivers message:new after commit to every participant, the sender included, with the stored message', async () => {
    const thread = await start(aDoc, { kind: 'GROUP', participantUserIds: [aNurse.userId, bDoc.userId], patientId: shared, subject: 'live' });
    const message = await send(bDoc, thread.id, 'BP 150/95 at home this morning');
    for (const userId of [aDoc.userId, aNurse.userId, bDoc.userId]) {
      expect(pushed(userId, 'message:new').map((entry) => entry.payload)).toContainEqual({
        threadId: thread.id,
        message: { id: message.id, threadId: thread.id, senderUserId: bDoc.userId, senderOrganizationId: orgB, body: 'BP 150/95 at home this morning', clientMessageId: message.clientMessageId, createdAt: message.createdAt },
      });
    }
    expect(pushed(bOther.userId, 'message:new')).toHaveLength(0);
  });

  it('counts unread messages per thread and in total, and keeps read receipts that never move back', async () => {
    const reader = await insertClinician(db.url, orgA);
    const one = await start(aDoc, { kind: 'GROUP', participantUserIds: [reader.userId], subject: 'one' });
    const two = await start(aNurse, { kind: 'GROUP', participantUserIds: [reader.userId], subject: 'two' });
    const m1 = await send(aDoc, one.id, 'first');
    const m2 = await send(aDoc, one.id, 'second');
    await send(aDoc, one.id, 'third');
    await send(aNurse, two.id, 'other thread');
    await send(reader, two.id, 'my own reply'); // a reply reads the thread up to it
    await send(aNurse, two.id, 'answer');

    const listed = (await as(reader).ok(THREADS)).messageThreads;
    expect(listed.unreadCount).toBe(3 + 1);
    expect(listed.edges.map((edge: { node: { id: string; unreadCount: number } }) => [edge.node.id, edge.node.unreadCount])).toEqual([[two.id, 1], [one.id, 3]]);
    expect((await as(aDoc).ok(THREAD, { id: one.id })).messageThread.unreadCount).toBe(0);

    const receipt = (await as(reader).ok(READ, { input: { threadId: one.id, upToMessageId: m2.id } })).markThreadRead;
    expect(receipt).toMatchObject({ userId: reader.userId, lastReadMessageId: m2.id, lastReadAt: expect.any(String) });
    expect((await as(reader).ok(THREAD, { id: one.id })).messageThread.unreadCount).toBe(1);
    // everyone in the thread learns who read up to what
    for (const userId of [aDoc.userId, reader.userId]) {
      expect(pushed(userId, 'thread:read').map((entry) => entry.payload)).toContainEqual({ threadId: one.id, userId: reader.userId, lastReadMessageId: m2.id, lastReadAt: receipt.lastReadAt });
    }
    // an older message does not move the receipt back
    expect((await as(reader).ok(READ, { input: { threadId: one.id, upToMessageId: m1.id } })).markThreadRead.lastReadMessageId).toBe(m2.id);
    // a message of another thread is not this thread's
    const foreign = await as(reader).call(READ, { input: { threadId: one.id, upToMessageId: (await send(aNurse, two.id, 'x')).id } });
    expect(foreign.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'upToMessageId' });

    await as(reader).ok(READ, { input: { threadId: one.id } }); // up to the latest
    const after = (await as(reader).ok(THREADS)).messageThreads;
    expect(after.unreadCount).toBe(2); // the other thread's two
    const participants = (await as(aDoc).ok(THREAD, { id: one.id })).messageThread.participants;
    expect(participants).toContainEqual({ userId: reader.userId, lastReadMessageId: expect.any(String), lastReadAt: expect.any(String) });
    expect(participants.find((p: { userId: string }) => p.userId === reader.userId).lastReadMessageId).not.toBe(m2.id);
  });

  it('pages a thread newest first and audits the read against the patient', async () => {
    const thread = await start(aDoc, { kind: 'DIRECT', participantUserIds: [aNurse.userId], patientId: shared });
    const bodies = ['a', 'b', 'c', 'd', 'e'];
    for (const body of bodies) await send(aNurse, thread.id, body);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: any = (await as(aDoc).ok(THREAD, { id: thread.id, first: 2, after })).messageThread.messages;
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((edge: { node: { body: string } }) => edge.node.body));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...bodies].reverse());
    const audited = await withSql(db.url, (sql) => sql(
      `select record_types from audit.event where service = 'messaging' and action = 'read' and outcome = 'success' and patient_id = $1 and actor_id = $2`, [shared, aDoc.userId]));
    expect(audited.some((row: { record_types: string[] }) => row.record_types.includes('ProviderMessage'))).toBe(true);
    const writes = await withSql(db.url, (sql) => sql(
      `select count(*)::int as n from audit.event where service = 'messaging' and action = 'write' and patient_id = $1 and record_types @> '{ProviderMessage}'`, [shared]));
    expect(writes[0].n).toBeGreaterThanOrEqual(5);
  });

  it('validates messages: blank, oversized, a malformed thread id or client id are refused naming the field, and nothing is stored', async () => {
    const thread = await start(aDoc, { kind: 'GROUP', participantUserIds: [aNurse.userId], subject: 'validation' });
    const cases: [Record<string, unknown>, string][] = [
      [{ threadId: thread.id, body: '   ', clientMessageId: 'c1' }, 'body'],
      [{ threadId: thread.id, body: 'x'.repeat(5001), clientMessageId: 'c2' }, 'body'],
      [{ threadId: 'not-a-uuid', body: 'x', clientMessageId: 'c3' }, 'threadId'],
      [{ threadId: thread.id, body: 'x', clientMessageId: '' }, 'clientMessageId'],
    ];
    for (const [input, field] of cases) {
      const response = await as(aDoc).call(SEND, { input });
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(await messageRows(thread.id)).toHaveLength(0);
    // not a participant: the thread does not exist for them
    const outsider = await as(bOther).call(SEND, { input: { threadId: thread.id, body: 'hello', clientMessageId: 'c5' } });
    expect(outsider.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'threadId' });
    expect((await as(bOther).ok(THREAD, { id: thread.id })).messageThread).toBeNull();
  });

  it('a participant who loses access to the patient no longer sees the thread, cannot write to it, and is sent nothing live', async () => {
    const patientId = await insertPatient(db.url, [orgA]);
    const consentId = await insertConsent(db.url, patientId, orgB, 'all');
    const thread = await start(aDoc, { kind: 'DIRECT', participantUserIds: [bDoc.userId], patientId });
    await send(aDoc, thread.id, 'before');
    expect((await as(bDoc).ok(THREAD, { id: thread.id })).messageThread.unreadCount).toBe(1);
    const unreadBefore = (await as(bDoc).ok(THREADS, { first: 100 })).messageThreads.unreadCount;

    await withSql(db.url, (sql) => sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where id = $1`, [consentId]));
    expect((await as(bDoc).ok(THREAD, { id: thread.id })).messageThread).toBeNull();
    const listed = (await as(bDoc).ok(THREADS, { first: 100 })).messageThreads;
    expect(listed.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(thread.id);
    expect(listed.unreadCount).toBe(unreadBefore - 1);
    const write = await as(bDoc).call(SEND, { input: { threadId: thread.id, body: 'still here?', clientMessageId: randomUUID() } });
    expect(write.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'threadId' });

    const deliveredBefore = pushed(bDoc.userId, 'message:new').length;
    await send(aDoc, thread.id, 'after the revocation');
    expect(pushed(bDoc.userId, 'message:new')).toHaveLength(deliveredBefore);
    expect(pushed(aDoc.userId, 'message:new').at(-1)?.payload.message.body).toBe('after the revocation');
  });

  describe('socket events (message:send, message:read), as the socket server runs them', () => {
    /** The context the socket server builds for a socket of `principal` (its assertion asks the access policy). */
    async function socketContext(principal: UserPrincipal) {
      const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
      const base = createRequestContext({
        service: 'messaging', em: service.orm.em.fork(), principal, log: createLogger('messaging', 'silent'), requestId: randomUUID(),
        policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId: randomUUID() }),
      });
      return createMessagingContext(base, live);
    }
    const handle = async (principal: UserPrincipal, event: string, payload: unknown) =>
      messagesLiveExtension.events![event](payload, {
        ctx: await socketContext(principal), socket: { id: randomUUID(), userId: principal.userId, sessionId: principal.sessionId }, afterAck: (step) => step(),
      });

    it('message:send stores and broadcasts like sendMessage; a retry acks the stored message; malformed payloads are refused naming the field', async () => {
      const thread = await start(aDoc, { kind: 'GROUP', participantUserIds: [bDoc.userId], patientId: shared, subject: 'socket' });
      const clientMessageId = `socket-${randomUUID()}`;
      const sent = await handle(bDoc, 'message:send', { threadId: thread.id, body: 'via socket', clientMessageId }) as { id: string; body: string };
      expect(sent).toMatchObject({ threadId: thread.id, body: 'via socket', senderUserId: bDoc.userId, clientMessageId });
      expect(pushed(aDoc.userId, 'message:new').at(-1)?.payload.message.id).toBe(sent.id);
      expect(((await handle(bDoc, 'message:send', { threadId: thread.id, body: 'via socket', clientMessageId })) as { id: string }).id).toBe(sent.id);
      expect(await messageRows(thread.id)).toHaveLength(1);

      for (const [payload, field] of [[null, 'payload'], ['text', 'payload'], [{ threadId: thread.id, body: 'x'.repeat(5001), clientMessageId: 'big' }, 'body'], [{ threadId: thread.id, body: 'x' }, 'clientMessageId']] as const) {
        const error = await handle(bDoc, 'message:send', payload).then(() => null, (caught: AppError) => caught);
        expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      }
      expect(await messageRows(thread.id)).toHaveLength(1);
    });

    it('message:read moves the receipt and acks it', async () => {
      const thread = await start(aDoc, { kind: 'DIRECT', participantUserIds: [bOther.userId], patientId: shared });
      const message = await send(aDoc, thread.id, 'read me');
      const ack = await handle(bOther, 'message:read', { threadId: thread.id });
      expect(ack).toEqual({ threadId: thread.id, userId: bOther.userId, lastReadMessageId: message.id, lastReadAt: expect.any(String) });
      await eventually(() => pushed(aDoc.userId, 'thread:read').some((entry) => entry.payload.userId === bOther.userId), 'the receipt broadcast');
    });
  });
});
