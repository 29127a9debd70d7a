import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { io, type Socket } from 'socket.io-client';
import { CHART_COMMENTS, FIRST_LOAD, MENTION_CANDIDATES, toCommentPage, toMentionOptions } from '../../web/src/comments/comment-queries';
import { REMOVED_NOTICE } from '../../web/src/comments/feed';
import { LiveComments, type LiveCommentsView } from '../../web/src/comments/live-comments';
import type { ChartCommentsQuery, MentionCandidatesQuery } from '../../web/src/gql/graphql';
import { connectThroughGateway, requestOk, type LiveClient } from '../support/live';
import { eventually } from '../support/eventually';
import { insertClinician } from '../support/messaging';
import { startLiveStack, type LiveStack } from '../support/live-stack';
import { tokenFor } from '../support/platform';
import { insertConsent, insertOrganization, insertPatient, withSql, type UserPrincipal } from '../support/principals';
import { graphqlOk } from '../support/services';

/**
 * The web client's live comment feed (web/src/comments/live-comments.ts, what the chart's comment
 * panel shows) against the real servers: the gateway's /graphql and /socket.io, messaging, the
 * patients service deciding access. Socket.IO's node client stands in for the browser's; the
 * browser itself is test/web/browser.test.ts.
 */
describe('web client: the live comment feed', () => {
  let stack: LiveStack;
  let hospitalA: string;
  let hospitalB: string;
  let drA: UserPrincipal;
  let drB: UserPrincipal;
  const practitionerB = randomUUID();
  const feeds: LiveComments[] = [];
  const writers: LiveClient[] = [];
  const sql = (text: string, params: unknown[] = []) => withSql(stack.db.url, (query) => query(text, params));

  beforeAll(async () => {
    stack = await startLiveStack('web_live_comments');
    hospitalA = await insertOrganization(stack.db.url, 'Bayview Test Hospital');
    hospitalB = await insertOrganization(stack.db.url, 'Northfield Test Hospital');
    drA = await insertClinician(stack.db.url, hospitalA, { displayName: 'Dr Ada Lopez', practitionerId: randomUUID() });
    drB = await insertClinician(stack.db.url, hospitalB, { displayName: 'Dr Bea Okafor', practitionerId: practitionerB });
  });
  afterEach(() => {
    for (const feed of feeds.splice(0)) feed.close();
    for (const writer of writers.splice(0)) writer.close();
  });
  afterAll(() => stack?.close());

  const organizations: Record<string, string> = {};
  /** A patient of hospital A who consented to hospital B seeing their clinical record. */
  const sharedChart = async () => {
    const patientId = await insertPatient(stack.db.url, [hospitalA]);
    const consentId = await insertConsent(stack.db.url, patientId, hospitalB, 'clinical');
    return { patientId, consentId };
  };
  const asUser = async (principal: UserPrincipal) => ({ authorization: `Bearer ${await tokenFor(principal)}` });

  /** The feed as the chart page builds it (live-feed.ts), through the gateway as `principal`; its tokens live `ttlSeconds`, its pages hold `pageSize` comments. */
  function feedFor(principal: UserPrincipal, patientId: string, options: { ttlSeconds?: number; pageSize?: number } = {}) {
    const tokens: string[] = [];
    const sockets: Socket[] = [];
    const feed = new LiveComments({
      patientId,
      me: { userId: principal.userId },
      openSocket: () => {
        const socket = io(stack.gateway.baseUrl, { path: '/socket.io', autoConnect: false, reconnection: false, forceNew: true, transports: ['websocket', 'polling'], tryAllTransports: true });
        sockets.push(socket);
        return socket;
      },
      token: async () => {
        const token = await tokenFor(principal, { ttlSeconds: options.ttlSeconds });
        tokens.push(token);
        return token;
      },
      refreshToken: async () => true,
      loadComments: async (after) => {
        const data = (await graphqlOk(stack.gateway.url, print(CHART_COMMENTS), { patientId, first: options.pageSize ?? FIRST_LOAD, after }, await asUser(principal))) as ChartCommentsQuery;
        return toCommentPage(data)!;
      },
      organizationName: async (id) => organizations[id] ?? (organizations[id] = (await graphqlOk(stack.gateway.url, 'query ($id: ID!) { organization(id: $id) { name } }', { id }, await asUser(principal))).organization.name),
      newId: randomUUID,
    });
    feeds.push(feed);
    feed.start();
    return { feed, tokens, sockets, view: (): LiveCommentsView => feed.getView() };
  }
  const writer = async (principal: UserPrincipal, patientId: string) => {
    const socket = await connectThroughGateway(stack.gateway.baseUrl, await tokenFor(principal));
    writers.push(socket);
    await requestOk(socket, 'chart:join', { patientId });
    return (body: string) => requestOk(socket, 'comment:add', { patientId, body, clientMessageId: randomUUID() });
  };
  const bodies = (view: LiveCommentsView) => view.comments.map((comment) => comment.body);

  it('shows each clinician the other, with name and hospital, typing, and the other’s comments as they are posted', async () => {
    const { patientId } = await sharedChart();
    const a = feedFor(drA, patientId);
    await eventually(() => a.view().connection === 'online' && a.view().status === 'ready', 'A online');
    expect(a.view().viewers).toEqual([]);
    const b = feedFor(drB, patientId);
    // organization names come from GraphQL once per organization
    const named = (view: LiveCommentsView) => view.viewers.length === 1 && view.viewers[0].organizationName !== null;
    await eventually(() => named(a.view()) && named(b.view()), 'each sees the other');
    expect(a.view().viewers).toEqual([{ userId: drB.userId, name: 'Dr Bea Okafor', organizationName: 'Northfield Test Hospital' }]);
    expect(b.view().viewers).toEqual([{ userId: drA.userId, name: 'Dr Ada Lopez', organizationName: 'Bayview Test Hospital' }]);

    b.feed.setTyping(true);
    await eventually(() => a.view().typing.length === 1, 'A sees B typing');
    expect(a.view().typing).toEqual(['Dr Bea Okafor (Northfield Test Hospital)']);
    expect(b.view().typing).toEqual([]); // not one's own
    b.feed.setTyping(false);
    await eventually(() => a.view().typing.length === 0, 'B stopped typing');

    // the author's own copy shows at once (the acknowledgement), the other's live, named alike
    await a.feed.add({ body: 'K+ 5.9 this morning, @Bea.Okafor can you repeat it on your side?', mentions: [practitionerB] });
    expect(bodies(a.view())).toEqual(['K+ 5.9 this morning, @Bea.Okafor can you repeat it on your side?']);
    await eventually(() => b.view().comments.length === 1, 'B receives the comment');
    expect(b.view().comments[0]).toMatchObject({ authorName: 'Dr Ada Lopez (Bayview Test Hospital)', parentId: null });
    const mentioned = await sql(`select mentioned_practitioner_ids::text[] as ids from messaging.chart_comment_version where comment_id = $1`, [b.view().comments[0].id]);
    expect(mentioned).toEqual([{ ids: [practitionerB] }]);

    await b.feed.add({ body: 'Repeated: 5.1.', parentId: b.view().comments[0].id });
    await eventually(() => a.view().comments.length === 2, 'A receives the reply');
    expect(a.view().comments[1]).toMatchObject({ body: 'Repeated: 5.1.', parentId: a.view().comments[0].id, authorName: 'Dr Bea Okafor (Northfield Test Hospital)' });

    // leaving the chart: the other sees it
    b.feed.close();
    await eventually(() => a.view().viewers.length === 0, 'B left');

    // the @mention directory the panel asks
    const candidates = toMentionOptions((await graphqlOk(stack.gateway.url, print(MENTION_CANDIDATES), { patientId, name: 'oka', first: 8 }, await asUser(drA))) as MentionCandidatesQuery);
    expect(candidates).toEqual([{ practitionerId: practitionerB, name: 'Dr Bea Okafor', organizationName: 'Northfield Test Hospital' }]);
  });

  it('loads the chart over GraphQL, then loses and repeats nothing across dropped connections and expiring tokens', async () => {
    const { patientId } = await sharedChart();
    const post = await writer(drA, patientId);
    const before = [await post('Before 1'), await post('Before 2'), await post('Before 3')];
    // an edit and a deletion before the reader arrives: the first load has the edit, not the deleted one
    const authorization = await asUser(drA);
    await graphqlOk(stack.gateway.url, `mutation ($input: EditChartCommentInput!) { editChartComment(input: $input) { version } }`, { input: { id: before[0].comment.id, body: 'Before 1, edited', expectedVersion: 1 } }, authorization);
    await graphqlOk(stack.gateway.url, `mutation ($input: DeleteChartCommentInput!) { deleteChartComment(input: $input) { id } }`, { input: { id: before[1].comment.id } }, authorization);

    // tokens for 3 seconds: the server ends the connection at each expiry (auth:expired), the feed comes back with a fresh one
    const reader = feedFor(drB, patientId, { ttlSeconds: 3 });
    await eventually(() => reader.view().connection === 'online' && reader.view().status === 'ready', 'reader online');
    expect(bodies(reader.view())).toEqual(['Before 1, edited', 'Before 3']);

    const posted: string[] = [];
    const deadline = Date.now() + 8000;
    for (let i = 0; Date.now() < deadline || i < 30; i += 1) {
      if (i % 9 === 4) reader.sockets[reader.sockets.length - 1].io.engine?.close(); // the network drops
      posted.push((await post(`During ${i}`)).comment.body);
      if (i === 12) await graphqlOk(stack.gateway.url, `mutation ($input: EditChartCommentInput!) { editChartComment(input: $input) { version } }`, { input: { id: before[2].comment.id, body: 'Before 3, edited live', expectedVersion: 1 } }, authorization);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    const expected = ['Before 1, edited', 'Before 3, edited live', ...posted];
    await eventually(() => reader.view().connection === 'online' && bodies(reader.view()).length === expected.length, 'every comment applied', 20_000);
    expect(bodies(reader.view())).toEqual(expected);
    expect(new Set(reader.view().comments.map((comment) => comment.id)).size).toBe(expected.length);
    expect(reader.view().comments[1].editedAt).toEqual(expect.any(String));
    // it reconnected, each time with a fresh token
    expect(reader.tokens.length).toBeGreaterThan(2);
    expect(new Set(reader.tokens).size).toBe(reader.tokens.length);
  }, 60_000);

  it('pages back through earlier comments, each shown once beside what the socket delivered meanwhile', async () => {
    const { patientId } = await sharedChart();
    const post = await writer(drA, patientId);
    const written = [];
    for (let i = 1; i <= 7; i += 1) written.push(await post(`Old ${i}`));
    const reader = feedFor(drB, patientId, { pageSize: 3 });
    await eventually(() => reader.view().connection === 'online' && reader.view().status === 'ready', 'reader online');
    expect(bodies(reader.view())).toEqual(['Old 5', 'Old 6', 'Old 7']);
    expect(reader.view().hasEarlier).toBe(true);

    // meanwhile: a new comment, and an edit of an old one not loaded yet (delivered live, newer than the page)
    await post('New 8');
    await graphqlOk(stack.gateway.url, `mutation ($input: EditChartCommentInput!) { editChartComment(input: $input) { version } }`, { input: { id: written[2].comment.id, body: 'Old 3, edited', expectedVersion: 1 } }, await asUser(drA));
    await eventually(() => reader.view().comments.some((comment) => comment.body === 'Old 3, edited'), 'the live edit arrives');
    await reader.feed.loadEarlier();
    expect(bodies(reader.view())).toEqual(['Old 2', 'Old 3, edited', 'Old 4', 'Old 5', 'Old 6', 'Old 7', 'New 8']);
    expect(reader.view().hasEarlier).toBe(true);
    await reader.feed.loadEarlier();
    expect(bodies(reader.view())).toEqual(['Old 1', 'Old 2', 'Old 3, edited', 'Old 4', 'Old 5', 'Old 6', 'Old 7', 'New 8']);
    expect(reader.view().hasEarlier).toBe(false);
    expect(new Set(reader.view().comments.map((comment) => comment.id)).size).toBe(8);
  });

  it('edits and deletes the user’s own comments: the other reader sees the edit and "deleted" live; others’ comments cannot be changed', async () => {
    const { patientId } = await sharedChart();
    const a = feedFor(drA, patientId);
    const b = feedFor(drB, patientId);
    await eventually(() => a.view().connection === 'online' && b.view().connection === 'online' && a.view().viewers.length === 1, 'both online');
    await a.feed.add({ body: 'Potassium 5.9' });
    await eventually(() => b.view().comments.length === 1, 'B sees it');
    const [comment] = a.view().comments;
    expect(comment.mine).toBe(true);
    expect(b.view().comments[0].mine).toBe(false);
    await b.feed.add({ body: 'Repeat it?', parentId: comment.id });
    await eventually(() => a.view().comments.length === 2, 'A sees the reply');

    await a.feed.edit(comment.id, 'Potassium 5.9 (haemolysed sample)');
    expect(a.view().comments[0]).toMatchObject({ body: 'Potassium 5.9 (haemolysed sample)', editedAt: expect.any(String) });
    await eventually(() => b.view().comments[0].body === 'Potassium 5.9 (haemolysed sample)', 'B sees the edit');
    expect(b.view().comments[0].editedAt).toEqual(expect.any(String));
    await expect(b.feed.edit(comment.id, 'Not mine')).rejects.toThrow('Only its author can change a comment.');

    await a.feed.remove(comment.id);
    // deleted, still holding its thread together: the reply stays beneath it
    expect(a.view().comments[0]).toMatchObject({ id: comment.id, deleted: true, body: '' });
    await eventually(() => b.view().comments[0].deleted === true, 'B sees the deletion');
    expect(b.view().comments.map((c) => [c.body, c.parentId])).toEqual([['', null], ['Repeat it?', comment.id]]);
    // after a reload, loaded over GraphQL (which never returns a deleted comment's text), the reply
    // still sits under its deleted comment instead of standing alone
    const reloaded = feedFor(drB, patientId);
    await eventually(() => reloaded.view().status === 'ready' && reloaded.view().connection === 'online', 'the reloaded feed is live');
    expect(reloaded.view().comments.map((c) => [c.id, c.body, c.parentId, c.deleted ?? false]))
      .toEqual([[comment.id, '', null, true], [b.view().comments[1].id, 'Repeat it?', comment.id, false]]);
    await expect(a.feed.edit(comment.id, 'Again')).rejects.toThrow(/no longer available/);
    const stored = await sql(`select deleted_at is not null as deleted from messaging.chart_comment where id = $1`, [comment.id]);
    expect(stored).toEqual([{ deleted: true }]);
  });

  it('sends a comment written while the connection is down once it is back, and stores it once', async () => {
    const { patientId } = await sharedChart();
    const a = feedFor(drA, patientId);
    await eventually(() => a.view().connection === 'online' && a.view().status === 'ready', 'A online');
    a.sockets[0].io.engine.close();
    await eventually(() => a.view().connection === 'offline', 'A offline');
    await a.feed.add({ body: 'Written offline' });
    expect(a.view().connection).toBe('online');
    expect(bodies(a.view())).toEqual(['Written offline']);
    expect(await sql(`select count(*)::int as n from messaging.chart_comment where patient_id = $1`, [patientId])).toEqual([{ n: 1 }]);
  });

  it('hides the chart’s comments and stops when access to the chart ends (chart:removed)', async () => {
    const { patientId, consentId } = await sharedChart();
    const post = await writer(drA, patientId);
    await post('Only for those who may read the chart');
    const b = feedFor(drB, patientId);
    await eventually(() => b.view().connection === 'online' && b.view().comments.length === 1, 'B reads the chart');

    await sql(`update patients.patient_consent set revoked_at = now(), revoked_by_type = 'system', revoked_by_id = 'test' where id = $1`, [consentId]);
    await stack.messagingDefinition.liveServer()!.recheckChart(patientId);
    await eventually(() => b.view().status === 'removed', 'B removed');
    expect(b.view()).toMatchObject({ comments: [], viewers: [], typing: [] });
    await expect(b.feed.add({ body: 'Still there?' })).rejects.toThrow(REMOVED_NOTICE);
    await post('After the revocation');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.view().comments).toEqual([]);
    expect(b.sockets.every((socket) => !socket.connected)).toBe(true);
  });
});
