import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { LiveInbox, type InboxChange } from '../../web/src/inbox/live-inbox';
import { eventually } from '../support/eventually';
import { connectThroughGateway, requestOk, type LiveClient } from '../support/live';
import { startLiveStack, type LiveStack } from '../support/live-stack';
import { insertClinician } from '../support/messaging';
import { tokenFor } from '../support/platform';
import { insertConsent, insertOrganization, insertPatient, type UserPrincipal } from '../support/principals';
import { graphqlOk } from '../support/services';

/**
 * The web client's live inbox (web/src/inbox/live-inbox.ts: what makes the badge, the thread list,
 * the open thread and the notifications change without a reload) against the real servers: the
 * gateway's /graphql and /socket.io, messaging, the patients service deciding access.
 */
describe('web client: the live inbox', () => {
  let stack: LiveStack;
  let hospitalA: string;
  let hospitalB: string;
  let drA: UserPrincipal;
  let drB: UserPrincipal;
  const practitionerA = randomUUID();
  const inboxes: LiveInbox[] = [];
  const writers: LiveClient[] = [];

  beforeAll(async () => {
    stack = await startLiveStack('web_live_inbox');
    hospitalA = await insertOrganization(stack.db.url, 'Bayview Test Hospital');
    hospitalB = await insertOrganization(stack.db.url, 'Northfield Test Hospital');
    drA = await insertClinician(stack.db.url, hospitalA, { displayName: 'Dr Ada Lopez', practitionerId: practitionerA });
    drB = await insertClinician(stack.db.url, hospitalB, { displayName: 'Dr Bea Okafor', practitionerId: randomUUID() });
  });
  afterEach(() => {
    for (const inbox of inboxes.splice(0)) inbox.close();
    for (const writer of writers.splice(0)) writer.close();
  });
  afterAll(() => stack?.close());

  const asUser = async (principal: UserPrincipal) => ({ authorization: `Bearer ${await tokenFor(principal)}` });
  const ok = async (principal: UserPrincipal, query: string, variables: Record<string, unknown>) => graphqlOk(stack.gateway.url, query, variables, await asUser(principal));

  /** A's inbox as the app builds it (use-live-inbox.ts), recording what each event said changed. */
  function inboxOf(principal: UserPrincipal) {
    const changes: InboxChange[][] = [];
    const sockets: Socket[] = [];
    const inbox = new LiveInbox({
      openSocket: () => {
        const socket = io(stack.gateway.baseUrl, { path: '/socket.io', autoConnect: false, reconnection: false, forceNew: true, transports: ['websocket', 'polling'], tryAllTransports: true });
        sockets.push(socket);
        return socket;
      },
      token: () => tokenFor(principal),
      refreshToken: async () => true,
      changed: (changed) => changes.push([...changed].sort()),
    });
    inboxes.push(inbox);
    inbox.start();
    return { inbox, changes, sockets };
  }

  it('says the messages changed when a colleague starts a thread, writes in it or reads it, and the notifications when one mentions you', async () => {
    const a = inboxOf(drA);
    await eventually(() => a.inbox.connection === 'online', 'A online');
    expect(a.changes).toEqual([]); // the first connection: the app has just loaded everything

    /** What A's inbox heard of while `step` ran (and until something arrived). */
    const heardDuring = async (label: string, step: () => Promise<unknown>) => {
      const before = a.changes.length;
      await step();
      await eventually(() => a.changes.length > before, label);
      await new Promise((resolve) => setTimeout(resolve, 300)); // and whatever else that step sends
      return new Set(a.changes.slice(before).flat());
    };

    // another hospital's doctor starts a thread with A about a patient both may see
    const patientId = await insertPatient(stack.db.url, [hospitalA]);
    await insertConsent(stack.db.url, patientId, hospitalB, 'clinical');
    let threadId = '';
    expect(await heardDuring('A hears of the new thread', async () => {
      threadId = (await ok(drB, 'mutation ($input: StartThreadInput!) { startThread(input: $input) { id } }', { input: { kind: 'DIRECT', participantUserIds: [drA.userId], patientId } })).startThread.id;
    })).toEqual(new Set(['messages']));

    expect(await heardDuring('A hears of the message', () =>
      ok(drB, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }', { input: { threadId, body: 'Potassium 5.9 this morning: repeat today?', clientMessageId: randomUUID() } }),
    )).toEqual(new Set(['messages']));

    // A answers; B reading it is a receipt A's open thread shows
    const { sendMessage } = await ok(drA, 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }', { input: { threadId, body: 'Yes, at noon.', clientMessageId: randomUUID() } });
    expect(await heardDuring('A hears of the receipt', () =>
      ok(drB, 'mutation ($input: MarkThreadReadInput!) { markThreadRead(input: $input) { lastReadMessageId } }', { input: { threadId, upToMessageId: sendMessage.id } }),
    )).toEqual(new Set(['messages']));

    // B mentions A in a comment on the chart
    const b = await connectThroughGateway(stack.gateway.baseUrl, await tokenFor(drB));
    writers.push(b);
    await requestOk(b, 'chart:join', { patientId });
    expect(await heardDuring('A hears of the mention', () =>
      requestOk(b, 'comment:add', { patientId, body: '@Ada.Lopez see the potassium', mentions: [practitionerA], clientMessageId: randomUUID() }),
    )).toEqual(new Set(['notifications']));
  });

  it('after a dropped connection, says everything changed: what was sent meanwhile is only in the database', async () => {
    const a = inboxOf(drA);
    await eventually(() => a.inbox.connection === 'online', 'A online');
    a.sockets[0].io.engine.close(); // the network drops
    await eventually(() => a.changes.length >= 1, 'A is back');
    expect(a.inbox.connection).toBe('online');
    expect(a.changes).toEqual([['messages', 'notifications']]);
  });

  it('does not connect a signed-out user, and stops for good when closed', async () => {
    const signedOut = new LiveInbox({
      openSocket: () => {
        throw new Error('no socket for a signed-out user');
      },
      token: async () => undefined,
      refreshToken: async () => false,
      changed: () => undefined,
    });
    inboxes.push(signedOut);
    signedOut.start();
    await eventually(() => signedOut.connection === 'offline', 'offline');

    const a = inboxOf(drA);
    await eventually(() => a.inbox.connection === 'online', 'A online');
    a.inbox.close();
    await eventually(() => a.sockets[0].disconnected, 'closed');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a reconnect would have begun by now
    expect(a.sockets).toHaveLength(1);
    expect(a.sockets[0].disconnected).toBe(true);
  });
});
