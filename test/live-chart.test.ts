import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { RunningGateway } from '@caregraph/gateway';
import { createMessagingSubgraph, type MessagingSubgraph } from '@caregraph/messaging';
import { ASSERTION_HEADER, type RunningSubgraph } from '@caregraph/platform';
import {
  connectDirect, connectLive, connectThroughGateway, nextEvent, pause, record, request, requestOk, type LiveClient, type LiveOptions,
} from './support/live';
import { eventually } from './support/eventually';
import { startLiveStack, type LiveStack } from './support/live-stack';
import { tokenFor } from './support/platform';
import { insertConsent, insertOrganization, insertPatient, staff, withSql, type UserPrincipal } from './support/principals';
import { graphql, graphqlOk, startTestSubgraph, testAssertionKeys } from './support/services';

/**
 * Issue 6, live chart: Socket.IO clients (socket.io-client, as a partner's client would be) against
 * real servers: the gateway proxying /socket.io to the messaging service, the patients service
 * answering the access policy, identity ending sessions, two messaging instances sharing rooms.
 */
/** How long, here, a viewer whose token ran out stays in presence while reconnecting (15 s by default; room for a slow CI machine to reconnect). */
const EXPIRED_VIEWER_GRACE_MS = 5_000;

describe('live chart comments over Socket.IO', () => {
  let logText = '';
  const sink = new Writable({ write(chunk, _encoding, done) { logText += chunk.toString(); done(); } });

  let db: LiveStack['db'];
  let identity: RunningSubgraph;
  let messagingDefinition: MessagingSubgraph;
  let messaging: RunningSubgraph;
  let gateway: RunningGateway;
  let hospitalA: string;
  let hospitalB: string;
  let drA: UserPrincipal;
  let drB: UserPrincipal;
  const clients: LiveClient[] = [];
  const sql = (text: string, params: unknown[] = []) => withSql(db.url, (query) => query(text, params));

  let stack: LiveStack | undefined;

  beforeAll(async () => {
    stack = await startLiveStack('live_chart', { logs: sink, messaging: { expiredViewerGraceMs: EXPIRED_VIEWER_GRACE_MS } });
    ({ db, identity, messagingDefinition, messaging, gateway } = stack);
    hospitalA = await insertOrganization(db.url);
    hospitalB = await insertOrganization(db.url);
    drA = staff('physician', hospitalA);
    drB = staff('physician', hospitalB);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => stack?.close());

  const track = (client: LiveClient) => (clients.push(client), client);
  /** A client through the gateway, signed in as `principal`. */
  const open = async (principal: UserPrincipal, options: LiveOptions & { via?: 'header' | 'query'; ttlSeconds?: number } = {}) => {
    const { ttlSeconds, ...rest } = options;
    return track(await connectThroughGateway(gateway.baseUrl, await tokenFor(principal, { ttlSeconds }), rest));
  };
  /** A patient of hospital A who consented to hospital B seeing their clinical record. */
  const sharedChart = async () => {
    const patientId = await insertPatient(db.url, [hospitalA]);
    const consentId = await insertConsent(db.url, patientId, hospitalB, 'clinical');
    return { patientId, consentId };
  };
  const bodyOf = (text: string) => `PHI-MARKER ${text}`;

  it("lets two clinicians from two hospitals on a consented chart see each other's comments, presence and typing live", async () => {
    const { patientId } = await sharedChart();
    const a = await open(drA); // websocket after a polling handshake (the default)
    const b = await open(drB, { transports: ['polling'] }); // long-polling only: every request through the gateway

    const joinedA = await requestOk(a, 'chart:join', { patientId });
    expect(joinedA).toEqual({ patientId, viewers: [{ userId: drA.userId, displayName: null, role: 'physician', organizationId: hospitalA }], replay: [], replayComplete: true });
    const bothSeen = nextEvent(a, 'presence:update', (update) => update.viewers.length === 2);
    const joinedB = await requestOk(b, 'chart:join', { patientId });
    const viewers = [
      { userId: drA.userId, displayName: null, role: 'physician', organizationId: hospitalA },
      { userId: drB.userId, displayName: null, role: 'physician', organizationId: hospitalB },
    ].sort((x, y) => x.userId.localeCompare(y.userId));
    expect(joinedB.viewers).toEqual(viewers);
    expect(await bothSeen).toEqual({ patientId, viewers });

    const seenByB = nextEvent(b, 'comment:created');
    const sent = await requestOk(a, 'comment:add', { patientId, body: bodyOf('BP 150/95 again, adding amlodipine?'), clientMessageId: randomUUID() });
    expect(sent).toMatchObject({
      event: 'comment:created', patientId, duplicate: false,
      comment: { patientId, body: bodyOf('BP 150/95 again, adding amlodipine?'), version: 1, author: { userId: drA.userId, role: 'physician', organizationId: hospitalA } },
    });
    const { duplicate: _duplicate, ...broadcast } = sent;
    expect(await seenByB).toEqual(broadcast);

    // authors get their own comments' broadcasts too: wait for the one sent by the other
    const seenByA = nextEvent(a, 'comment:created', (event) => event.comment.author.userId === drB.userId);
    const reply = await requestOk(b, 'comment:add', { patientId, body: bodyOf('Agreed, 5 mg.'), parentId: sent.comment.id });
    expect(await seenByA).toMatchObject({ seq: reply.seq, comment: { parentId: sent.comment.id, author: { userId: drB.userId, organizationId: hospitalB } } });
    expect(reply.seq).toBeGreaterThan(sent.seq);
    // 8,000+ bytes: too large for one database notification, announced by reference and read back
    const long = bodyOf('é'.repeat(4500));
    const longAtB = nextEvent(b, 'comment:created', (event) => event.comment.author.userId === drA.userId);
    await requestOk(a, 'comment:add', { patientId, body: long });
    expect((await longAtB).comment.body).toBe(long);

    const typingAtA = nextEvent(a, 'typing');
    const ownTyping = record(b);
    expect(await requestOk(b, 'typing', { patientId, typing: true })).toEqual({ patientId, typing: true });
    expect(await typingAtA).toEqual({ patientId, userId: drB.userId, displayName: null, typing: true });
    expect(ownTyping.events.filter((e) => e.event === 'typing')).toEqual([]);

    const onlyA = nextEvent(a, 'presence:update', (update) => update.viewers.length === 1);
    b.close();
    expect((await onlyA).viewers).toEqual([expect.objectContaining({ userId: drA.userId })]);
  });

  it('refuses an unconsented clinician at join exactly like an unknown chart, audited, and shows them nothing of it', async () => {
    const { patientId } = await sharedChart();
    const outsider = staff('physician', await insertOrganization(db.url));
    const a = await open(drA);
    await requestOk(a, 'chart:join', { patientId });
    const c = await open(outsider);
    const seenByC = record(c);

    const hidden = await request(c, 'chart:join', { patientId });
    const unknown = await request(c, 'chart:join', { patientId: randomUUID() });
    expect(hidden).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Patient not found', field: 'patientId' } });
    expect(unknown).toEqual(hidden);
    expect(await request(c, 'typing', { patientId, typing: true })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', field: 'patientId' } });
    expect(await request(c, 'comment:add', { patientId, body: bodyOf('Let me in') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'patientId' } });

    const seenByA = nextEvent(a, 'comment:created');
    await requestOk(a, 'comment:add', { patientId, body: bodyOf('Only for the care team.') });
    await seenByA;
    await pause(200);
    expect(seenByC.events).toEqual([]);
    const denied = await sql(`select record_types from audit.event where actor_id = $1 and patient_id = $2 and outcome = 'denied'`, [outsider.userId, patientId]);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied[0].record_types).toEqual(['ChartComment']);
  });

  it('removes a socket from the room at once when the consent it relied on is revoked (recheckChart), and refuses it after', async () => {
    const { patientId, consentId } = await sharedChart();
    const a = await open(drA);
    const b = await open(drB);
    await requestOk(a, 'chart:join', { patientId });
    await requestOk(b, 'chart:join', { patientId });

    const removed = nextEvent(b, 'chart:removed');
    const onlyA = nextEvent(a, 'presence:update', (update) => update.viewers.length === 1);
    await sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where id = $1`, [consentId]);
    await messagingDefinition.liveServer()!.recheckChart(patientId);
    expect(await removed).toEqual({ patientId, reason: 'ACCESS_REVOKED' });
    expect((await onlyA).viewers).toEqual([expect.objectContaining({ userId: drA.userId })]);

    const afterRemoval = record(b);
    const seenByA = nextEvent(a, 'comment:created');
    await requestOk(a, 'comment:add', { patientId, body: bodyOf('After the revocation.') });
    await seenByA;
    await pause(200);
    expect(afterRemoval.events.filter((e) => e.event.startsWith('comment:'))).toEqual([]);
    expect(await request(b, 'chart:join', { patientId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('removes a socket from the room when the patient revokes the consent through the API (patient.access-narrowing event → recheck)', async () => {
    const { patientId, consentId } = await sharedChart();
    const b = await open(drB);
    await requestOk(b, 'chart:join', { patientId });
    const removed = nextEvent(b, 'chart:removed');
    const patient = { kind: 'user' as const, userId: randomUUID(), role: 'patient' as const, organizationId: null, patientId, sessionId: randomUUID() };
    await graphqlOk(gateway.url, `mutation ($id: ID!) { revokeConsent(id: $id) { id } }`, { id: consentId }, { authorization: `Bearer ${await tokenFor(patient)}` });
    expect(await removed).toEqual({ patientId, reason: 'ACCESS_REVOKED' });
    expect(await request(b, 'chart:join', { patientId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', field: 'patientId' } });
  });

  it('replays every comment missed across injected disconnects, exactly once and in order', async () => {
    const { patientId } = await sharedChart();
    const writer = await open(drA);
    await requestOk(writer, 'chart:join', { patientId });
    const reader = await open(drB, { reconnection: true, reconnectionDelay: 10, reconnectionDelayMax: 50 });

    // the reader's copy of the chart: comment ids in the order it applied them
    const applied: string[] = [];
    let lastCommentId: string | undefined;
    let joins = 0;
    const apply = (event: { event: string; comment: { id: string } }) => {
      if (event.event !== 'comment:created') return;
      applied.push(event.comment.id);
      lastCommentId = event.comment.id;
    };
    reader.on('comment:created', apply);
    // the replay is applied inside the ack callback: live events that follow it come after
    const join = () => reader.emit('chart:join', { patientId, ...(lastCommentId && { lastCommentId }) }, (ack: any) => {
      if (!ack.ok) throw new Error(JSON.stringify(ack.error));
      joins += 1;
      ack.data.replay.forEach(apply);
    });
    reader.on('connect', join);
    join();
    await eventually(() => joins === 1, 'the first join');

    const posted: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      if (i % 7 === 2) reader.io.engine.close(); // the connection drops; the client reconnects by itself
      if (i === 20) reader.disconnect(); // a longer outage: several comments while away
      if (i === 26) reader.connect();
      const { comment } = await requestOk(writer, 'comment:add', { patientId, body: bodyOf(`reading ${i}`), clientMessageId: randomUUID() });
      posted.push(comment.id);
      if (i % 5 === 0) await pause(15);
    }
    await eventually(() => applied.length >= posted.length, 'every comment applied', 15_000);
    await pause(300);
    expect(joins).toBeGreaterThan(5);
    expect(applied).toEqual(posted);
  });

  it('does not send again a replayed change whose announcement arrives after the join (announced late, then a newer one)', async () => {
    const { patientId } = await sharedChart();
    const writer = await open(drA);
    await requestOk(writer, 'chart:join', { patientId });
    const first = (await requestOk(writer, 'comment:add', { patientId, body: bodyOf('seen before leaving') })).comment;
    const missed = (await requestOk(writer, 'comment:add', { patientId, body: bodyOf('written while away') })).comment;
    const [{ seq: missedSeq }] = await sql('select seq::int as seq from messaging.chart_comment_event where comment_id = $1', [missed.id]);

    const reader = await open(drB);
    const received = record(reader);
    const joined = await requestOk(reader, 'chart:join', { patientId, lastCommentId: first.id });
    expect(joined.replay.map((event: { comment: { id: string } }) => event.comment.id)).toEqual([missed.id]);
    // the announcement of the replayed change reaches the messaging instance only now (its LISTEN
    // connection can deliver it after the replay's read saw the commit): announced again, by reference
    await sql(`select pg_notify('caregraph_live_chart', $1)`, [JSON.stringify({ patientId, seq: missedSeq })]);
    const newer = (await requestOk(writer, 'comment:add', { patientId, body: bodyOf('written after the join') })).comment;
    await eventually(() => received.events.some((e) => e.event === 'comment:created'), 'the newer comment', 5_000);
    await pause(200);
    expect(received.events.filter((e) => e.event.startsWith('comment:')).map((e) => e.payload.comment.id)).toEqual([newer.id]);
  });

  it('holds live events for the re-join that follows a replay cut short: every change reaches the reader once', async () => {
    const { patientId } = await sharedChart();
    const writer = await open(drA);
    await requestOk(writer, 'chart:join', { patientId });
    const seen = (await requestOk(writer, 'comment:add', { patientId, body: bodyOf('seen') })).comment;
    const missed: string[] = [];
    for (let i = 0; i <= 500; i += 1) missed.push((await requestOk(writer, 'comment:add', { patientId, body: bodyOf(`missed ${i}`) })).comment.id);

    const reader = await open(drB);
    const live = record(reader);
    const first = await requestOk(reader, 'chart:join', { patientId, lastCommentId: seen.id });
    expect(first.replayComplete).toBe(false);
    expect(first.replay).toHaveLength(500);
    // written between the cut-short replay and the re-join the protocol asks for
    const between = (await requestOk(writer, 'comment:add', { patientId, body: bodyOf('between the joins') })).comment;
    await pause(200);
    const second = await requestOk(reader, 'chart:join', { patientId, lastSeq: first.replay[first.replay.length - 1].seq });
    expect(second.replayComplete).toBe(true);
    const after = (await requestOk(writer, 'comment:add', { patientId, body: bodyOf('after the re-join') })).comment;
    await eventually(() => live.events.some((e) => e.event === 'comment:created'), 'the comment after the re-join', 5_000);
    await pause(200);

    const delivered = [...first.replay, ...second.replay, ...live.events.filter((e) => e.event === 'comment:created').map((e) => e.payload)]
      .map((event: { comment: { id: string } }) => event.comment.id);
    expect(delivered).toEqual([...missed, between.id, after.id]);
  });

  it('stores a retried event with the same clientMessageId once and broadcasts it once; a GraphQL mutation broadcasts the same event as a socket', async () => {
    const { patientId } = await sharedChart();
    const a = await open(drA);
    const b = await open(drB);
    await requestOk(a, 'chart:join', { patientId });
    await requestOk(b, 'chart:join', { patientId });
    const atB = record(b);

    const clientMessageId = randomUUID();
    const payload = { patientId, body: bodyOf('Retried once'), clientMessageId };
    const first = await requestOk(a, 'comment:add', payload);
    const retry = await requestOk(a, 'comment:add', payload);
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(first.duplicate).toBe(false);
    expect(await sql(`select count(*)::int as n from messaging.chart_comment where patient_id = $1`, [patientId])).toEqual([{ n: 1 }]);

    // through the gateway's GraphQL: the same service, the same broadcast
    const authorization = { authorization: `Bearer ${await tokenFor(drA)}` };
    const viaGraphql = nextEvent(b, 'comment:created', (event) => event.comment.body === bodyOf('Via GraphQL'));
    const { addChartComment } = await graphqlOk(gateway.url, `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { id version } }`, {
      input: { patientId, body: bodyOf('Via GraphQL'), anchor: { type: 'OBSERVATION', id: randomUUID() }, clientMessageId: randomUUID() },
    }, authorization);
    const created = await viaGraphql;
    expect(created).toMatchObject({ event: 'comment:created', patientId, comment: { id: addChartComment.id, version: 1, anchor: { type: 'OBSERVATION' }, author: { userId: drA.userId } } });
    const { duplicate: _duplicate, ...socketEvent } = first;
    expect(Object.keys(created).sort()).toEqual(Object.keys(socketEvent).sort());
    expect(Object.keys(created.comment).sort()).toEqual(Object.keys(socketEvent.comment).sort());

    const edited = nextEvent(b, 'comment:edited');
    await graphqlOk(gateway.url, `mutation ($input: EditChartCommentInput!) { editChartComment(input: $input) { version } }`, {
      input: { id: addChartComment.id, body: bodyOf('Via GraphQL, edited'), expectedVersion: 1 },
    }, authorization);
    expect(await edited).toMatchObject({ event: 'comment:edited', comment: { id: addChartComment.id, version: 2, body: bodyOf('Via GraphQL, edited'), editedAt: expect.any(String) } });
    expect(await request(a, 'comment:edit', { id: addChartComment.id, body: bodyOf('Lost update'), expectedVersion: 1 }))
      .toEqual({ ok: false, error: { code: 'CONFLICT', field: 'expectedVersion', currentVersion: 2, message: expect.any(String) } });
    const deleted = nextEvent(b, 'comment:deleted');
    const removal = await requestOk(a, 'comment:delete', { id: first.comment.id, expectedVersion: 1 });
    expect(await deleted).toEqual({ event: 'comment:deleted', seq: removal.seq, patientId, comment: expect.objectContaining({ id: first.comment.id, body: null, deletedAt: expect.any(String) }) });

    await pause(200);
    const commentEvents = atB.events.filter((e) => e.event.startsWith('comment:')).map((e) => [e.event, e.payload.comment.id]);
    expect(commentEvents).toEqual([
      ['comment:created', first.comment.id], ['comment:created', addChartComment.id], ['comment:edited', addChartComment.id], ['comment:deleted', first.comment.id],
    ]);
  });

  it('answers an oversized comment, an unknown chart and malformed events with an error ack, and the socket stays usable; bodies stay out of the logs', async () => {
    const { patientId } = await sharedChart();
    const a = await open(drA);
    const oversized = bodyOf('x'.repeat(5001));
    const cases: [string, unknown, string, string][] = [
      ['comment:add', { patientId, body: oversized }, 'BAD_USER_INPUT', 'body'],
      ['comment:add', { patientId: randomUUID(), body: bodyOf('Nobody') }, 'NOT_FOUND', 'patientId'],
      ['chart:join', { patientId: randomUUID() }, 'NOT_FOUND', 'patientId'],
      ['chart:join', 'not an object', 'BAD_USER_INPUT', 'payload'],
      ['chart:join', { patientId: 'p-1' }, 'BAD_USER_INPUT', 'patientId'],
      ['chart:join', { patientId, lastSeq: -1 }, 'BAD_USER_INPUT', 'lastSeq'],
      ['chart:join', { patientId, lastCommentId: randomUUID() }, 'NOT_FOUND', 'lastCommentId'],
      ['comment:add', { patientId, body: bodyOf('Anchored'), anchor: { type: 'LETTER', id: randomUUID() } }, 'BAD_USER_INPUT', 'anchor.type'],
      ['comment:add', { patientId, body: bodyOf('Mentions'), mentions: ['not-a-practitioner'] }, 'BAD_USER_INPUT', 'mentions'],
      ['comment:edit', { id: randomUUID(), body: bodyOf('No version') }, 'BAD_USER_INPUT', 'expectedVersion'],
      ['comment:edit', { id: randomUUID(), body: bodyOf('Gone'), expectedVersion: 1 }, 'NOT_FOUND', 'id'],
      ['typing', { patientId, typing: 'yes' }, 'BAD_USER_INPUT', 'typing'],
      ['chart:explode', { patientId }, 'BAD_USER_INPUT', 'event'],
    ];
    for (const [event, payload, code, field] of cases) {
      const ack = await request(a, event, payload);
      expect([event, ack]).toEqual([event, { ok: false, error: { code, field, message: expect.any(String) } }]);
      expect(JSON.stringify(ack)).not.toContain('PHI-MARKER');
    }
    // no ack callback at all: nothing breaks
    a.emit('comment:add', { patientId, body: 'x'.repeat(6000) });
    a.emit('chart:join');
    expect(a.connected).toBe(true);
    const joined = await requestOk(a, 'chart:join', { patientId });
    expect(joined.patientId).toBe(patientId);
    const added = await requestOk(a, 'comment:add', { patientId, body: bodyOf('Still here.'), anchor: { type: 'CONDITION', id: randomUUID() } });
    expect(added.comment).toMatchObject({ body: bodyOf('Still here.'), anchor: { type: 'CONDITION' } });
    expect(logText).not.toContain('PHI-MARKER');
  });

  it('disconnects a socket when its access token expires (auth:expired); a fresh token reconnects', async () => {
    const { patientId } = await sharedChart();
    const a = await open(drA, { ttlSeconds: 2 });
    await requestOk(a, 'chart:join', { patientId });
    const expired = nextEvent(a, 'auth:expired', () => true, 6000);
    const disconnected = new Promise((resolve) => a.once('disconnect', resolve));
    expect(await expired).toEqual({ expiredAt: expect.any(String) });
    expect(await disconnected).toBe('io server disconnect');

    const again = await open(drA);
    expect((await requestOk(again, 'chart:join', { patientId })).patientId).toBe(patientId);
  });

  it('keeps a viewer whose token ran out in presence while their client reconnects, and lets one who does not come back go after the grace', async () => {
    const { patientId } = await sharedChart();
    const b = await open(drB);
    await requestOk(b, 'chart:join', { patientId });
    const a = await open(drA, { ttlSeconds: 2 });
    const bothSeen = nextEvent(b, 'presence:update', (update) => update.viewers.length === 2);
    await requestOk(a, 'chart:join', { patientId });
    await bothSeen;
    const seenByB = record(b);
    const presenceAtB = () => seenByB.events.filter((e) => e.event === 'presence:update').map((e) => e.payload.viewers.map((v: { userId: string }) => v.userId));

    // A's token runs out; their client comes back with a fresh one: B never sees A leave
    await new Promise((resolve) => a.once('disconnect', resolve));
    await pause(300);
    const again = await open(drA, { ttlSeconds: 3 });
    await requestOk(again, 'chart:join', { patientId });
    await eventually(() => presenceAtB().length > 0, 'the rejoin reaches B');
    expect(presenceAtB().every((viewers) => viewers.includes(drA.userId))).toBe(true);

    // this time A does not come back: B sees A go, once the grace is over
    await new Promise((resolve) => again.once('disconnect', resolve));
    const disconnectedAt = Date.now();
    const gone = await nextEvent(b, 'presence:update', (update) => update.viewers.length === 1, EXPIRED_VIEWER_GRACE_MS + 8_000);
    expect(gone.viewers).toEqual([expect.objectContaining({ userId: drB.userId })]);
    expect(Date.now() - disconnectedAt).toBeGreaterThanOrEqual(EXPIRED_VIEWER_GRACE_MS - 100);
  });

  it("disconnects a session's sockets when identity ends the session (logout: auth:revoked), and refuses its still-valid token after", async () => {
    const { patientId } = await sharedChart();
    const admin = { kind: 'user' as const, userId: randomUUID(), role: 'org_admin' as const, organizationId: hospitalB, patientId: null, sessionId: randomUUID() };
    const email = `dr.${randomUUID().slice(0, 8)}@hospital-b.test`;
    const created = await graphql(identity.url, `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, {
      input: { email, password: 'a long enough password', role: 'PHYSICIAN', displayName: 'Dr Logout' },
    }, { principal: admin });
    expect(created.errors).toBeUndefined();
    const login = await fetch(`${gateway.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'a long enough password' }) });
    const { accessToken, refreshToken } = (await login.json()) as { accessToken: string; refreshToken: string };

    const socket = track(await connectThroughGateway(gateway.baseUrl, accessToken));
    await requestOk(socket, 'chart:join', { patientId });
    const revoked = nextEvent(socket, 'auth:revoked');
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
    const logout = await fetch(`${gateway.baseUrl}/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
    expect(logout.status).toBe(204);
    expect(await revoked).toEqual({ reason: 'SESSION_ENDED' });
    expect(await disconnected).toBe('io server disconnect');

    // the access token still has minutes to live: the messaging service remembers the session ended
    await expect(connectThroughGateway(gateway.baseUrl, accessToken)).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
  });

  it('authenticates every handshake at the gateway (401, audited; a client cannot bring its own assertion), and the messaging service trusts nothing but its assertion', async () => {
    const refusals = async () => (await sql(`select count(*)::int as n from audit.event where service = 'gateway' and action = 'unauthenticated'`))[0].n;
    const before = await refusals();
    const polling = `${gateway.baseUrl}/socket.io/?EIO=4&transport=polling`;
    const forged = await (await testAssertionKeys()).signer.sign(drA, ['messaging'], 'forged');
    expect((await fetch(polling)).status).toBe(401);
    expect((await fetch(polling, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
    expect((await fetch(`${polling}&access_token=not-a-token`)).status).toBe(401);
    expect((await fetch(polling, { headers: { [ASSERTION_HEADER]: forged } })).status).toBe(401);
    await expect(connectLive(gateway.baseUrl, { transports: ['websocket'] })).rejects.toThrow();
    await expect(connectLive(gateway.baseUrl, { transports: ['websocket'], extraHeaders: { [ASSERTION_HEADER]: forged } })).rejects.toThrow();
    await eventually(async () => (await refusals()) === before + 6, 'six refusals audited', 5000);

    // browsers put the token in the query (a WebSocket cannot carry headers); it goes no further than the gateway
    const token = await tokenFor(drA);
    const viaQuery = track(await connectThroughGateway(gateway.baseUrl, token, { via: 'query', transports: ['websocket'] }));
    expect(viaQuery.connected).toBe(true);
    const viaQueryPolling = track(await connectThroughGateway(gateway.baseUrl, token, { via: 'query', transports: ['polling'] }));
    expect(viaQueryPolling.connected).toBe(true);
    expect(logText).not.toContain(token);

    // around the gateway: no assertion, no connection (and an audit row of the messaging service)
    await expect(connectLive(new URL(messaging.url).origin, { transports: ['websocket'] })).rejects.toMatchObject({ message: 'UNAUTHENTICATED', data: { code: 'UNAUTHENTICATED' } });
    await expect(connectLive(new URL(messaging.url).origin, { extraHeaders: { authorization: `Bearer ${token}` } })).rejects.toMatchObject({ message: 'UNAUTHENTICATED' });
    const bypass = await sql(`select detail from audit.event where service = 'messaging' and action = 'unauthenticated' order by id desc limit 1`);
    expect(bypass[0].detail).toMatchObject({ reason: 'missing', path: '/socket.io' });
  });

  /** Two messaging instances: a comment, presence, typing and a removal reach sockets on the other one. */
  async function acrossInstances(one: MessagingSubgraph & { url: string }, two: MessagingSubgraph & { url: string }): Promise<void> {
    await eventually(async () => (await one.liveServer()!.serverCount()) >= 2 && (await two.liveServer()!.serverCount()) >= 2, 'instances see each other', 10_000);
    const { patientId, consentId } = await sharedChart();
    const a = track(await connectDirect(one.url, drA));
    const b = track(await connectDirect(two.url, drB));
    await requestOk(a, 'chart:join', { patientId });
    const bothAtA = nextEvent(a, 'presence:update', (update) => update.viewers.length === 2);
    expect((await requestOk(b, 'chart:join', { patientId })).viewers.map((v: { userId: string }) => v.userId).sort()).toEqual([drA.userId, drB.userId].sort());
    await bothAtA;

    const atB = nextEvent(b, 'comment:created');
    const sent = await requestOk(a, 'comment:add', { patientId, body: bodyOf('From instance one') });
    expect((await atB).comment.id).toBe(sent.comment.id);
    const atA = nextEvent(a, 'comment:created', (event) => event.comment.author.userId === drB.userId);
    const answer = await requestOk(b, 'comment:add', { patientId, body: bodyOf('From instance two'), parentId: sent.comment.id });
    expect((await atA).comment.id).toBe(answer.comment.id);
    const typing = nextEvent(a, 'typing');
    await requestOk(b, 'typing', { patientId, typing: true });
    expect(await typing).toMatchObject({ userId: drB.userId });

    // both instances writing at once: every socket gets the chart's changes in seq order, the same order
    const [atOne, atTwo] = [record(a), record(b)];
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => requestOk(i % 2 ? a : b, 'comment:add', { patientId, body: bodyOf(`burst ${i}`) })));
    const seqs = burst.map((sent) => sent.seq).sort((x, y) => x - y);
    const received = (recording: ReturnType<typeof record>) => recording.events.filter((e) => e.event === 'comment:created').map((e) => e.payload.seq);
    await eventually(() => received(atOne).length === 20 && received(atTwo).length === 20, 'the burst delivered', 10_000);
    expect(received(atOne)).toEqual(seqs);
    expect(received(atTwo)).toEqual(seqs);

    const removed = nextEvent(b, 'chart:removed');
    await sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where id = $1`, [consentId]);
    await one.liveServer()!.recheckChart(patientId);
    expect(await removed).toEqual({ patientId, reason: 'ACCESS_REVOKED' });
  }

  describe('scale-out: two messaging instances sharing rooms', () => {
    const extra: RunningSubgraph[] = [];
    afterAll(async () => {
      for (const client of clients.splice(0)) client.close();
      await Promise.all(extra.map((service) => service.close()));
    });
    const start = async (definition: MessagingSubgraph) => {
      const service = await startTestSubgraph(definition, db.url);
      extra.push(service);
      return Object.assign(definition, { url: service.url });
    };

    it('delivers comments, presence, typing and removals across instances with the Postgres adapter (the default)', async () => {
      const second = await start(createMessagingSubgraph());
      expect(messagingDefinition.liveServer()!.adapterName).toBe('postgres');
      expect(second.liveServer()!.adapterName).toBe('postgres');
      await acrossInstances(Object.assign(messagingDefinition, { url: messaging.url }), second);
    });

    const redisUrl = process.env.REDIS_URL;
    describe(redisUrl ? 'with REDIS_URL: the Redis adapter' : 'without REDIS_URL: the Postgres adapter', () => {
      if (redisUrl) {
        it('delivers comments, presence, typing and removals across instances sharing rooms through Redis', async () => {
          const redisKey = `caregraph-test-${randomUUID()}`;
          const one = await start(createMessagingSubgraph({ redisUrl, redisKey }));
          const two = await start(createMessagingSubgraph({ redisUrl, redisKey }));
          expect([one.liveServer()!.adapterName, two.liveServer()!.adapterName]).toEqual(['redis', 'redis']);
          await acrossInstances(one, two);
        });
      } else {
        it('is what an instance uses when REDIS_URL is not set (CI sets it and runs the Redis test here)', () => {
          expect(messagingDefinition.liveServer()!.adapterName).toBe('postgres');
        });
      }
    });
  });
});
