import { randomUUID } from 'node:crypto';
import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { messagingSubgraph } from '../subgraph';
import { ChartAnchorType, ChartComment } from './comment.entity';

describe('messaging subgraph: chart comments', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  // the caller: a physician of the organization every test patient is registered at
  let organizationId: string;
  let physician: UserPrincipal;
  const newPatient = () => insertPatient(db.url, [organizationId]);

  beforeAll(async () => {
    db = await createTestDatabase('chart_comments');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy messaging asks
    service = await startTestSubgraph(messagingSubgraph, db.url);
    organizationId = await insertOrganization(db.url);
    physician = staff('physician', organizationId);
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });
  const graphql = (url: string, query: string, variables: Record<string, unknown> = {}) => call(url, query, variables, { principal: physician });
  const graphqlOk = (url: string, query: string, variables: Record<string, unknown> = {}) => callOk(url, query, variables, { principal: physician });

  const COMMENT_FIELDS = `id body createdAt editedAt version anchor { type id } parent { id } patient { id }
    author { userId role organization { id } } organization { id } mentions { id } versions { version body writtenAt mentions { id } }`;
  const ADD = `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { ${COMMENT_FIELDS} } }`;
  const COMMENTS = `query ($id: ID!, $first: Int, $after: String, $anchorType: ChartAnchorType, $anchorId: ID, $parentId: ID, $topLevel: Boolean) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { chartComments(first: $first, after: $after, anchorType: $anchorType, anchorId: $anchorId, parentId: $parentId, topLevel: $topLevel) {
        totalCount edges { node { id body createdAt } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const add = async (input: Record<string, unknown>) => (await graphqlOk(service.url, ADD, { input })).addChartComment;
  const commentsOf = async (id: string, args: Record<string, unknown> = {}) => (await graphqlOk(service.url, COMMENTS, { id, ...args }))._entities[0].chartComments;

  /** Rows with chosen timestamps, for ordering tests (the mutation always stamps "now"). */
  async function seed(patientId: string, createdAt: string, extra: Partial<ChartComment> = {}): Promise<string> {
    const em = service.orm.em.fork();
    const [{ seq }] = await em.execute(`select nextval('messaging.chart_comment_seq') as seq`);
    const comment = em.create(ChartComment, { seq: Number(seq), patientId, body: `note ${createdAt}`, createdAt: new Date(createdAt), ...extra });
    await em.flush();
    return comment.id;
  }

  it('adds a comment with trimmed body, anchor, reply and mentions, written by the signed-in clinician, and reads it back', async () => {
    const patientId = await newPatient();
    const encounterId = randomUUID();
    const mentioned = randomUUID();
    const first = await add({ patientId, body: '  BP trending up, recheck in 2 weeks.  ', anchor: { type: 'ENCOUNTER', id: encounterId }, mentions: [mentioned, mentioned.toUpperCase()] });
    expect(first).toMatchObject({
      body: 'BP trending up, recheck in 2 weeks.',
      editedAt: null,
      version: 1,
      anchor: { type: 'ENCOUNTER', id: encounterId },
      parent: null,
      patient: { id: patientId },
      author: { userId: physician.userId, role: 'PHYSICIAN', organization: { id: organizationId } },
      organization: { id: organizationId },
      mentions: [{ id: mentioned }],
      versions: [{ version: 1, body: 'BP trending up, recheck in 2 weeks.', mentions: [{ id: mentioned }] }],
    });
    const reply = await add({ patientId, body: 'Agreed.', parentId: first.id });
    expect(reply).toMatchObject({ parent: { id: first.id }, anchor: null });

    const { chartComment } = await graphqlOk(service.url, `query ($id: ID!) { chartComment(id: $id) { id body parent { body } } }`, { id: reply.id });
    expect(chartComment).toEqual({ id: reply.id, body: 'Agreed.', parent: { body: 'BP trending up, recheck in 2 weeks.' } });
  });

  it("lists a patient's comments newest first, pages without repeats, and leaves deleted ones out", async () => {
    const patientId = await newPatient();
    const at = ['2024-01-03T00:00:00Z', '2024-01-05T00:00:00Z', '2024-01-01T00:00:00Z', '2024-01-05T00:00:00Z', '2024-01-04T00:00:00Z'];
    const ids: string[] = [];
    for (const createdAt of at) ids.push(await seed(patientId, createdAt));
    const deleted = await seed(patientId, '2024-01-06T00:00:00Z', { deletedAt: new Date() });
    await seed(await newPatient(), '2024-01-07T00:00:00Z'); // another patient's

    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    do {
      const page: any = await commentsOf(patientId, { first: 2, after });
      seen.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((c) => c.id))).toEqual(new Set(ids));
    expect(seen.map((c) => c.id)).not.toContain(deleted);
    const order = seen.map((c) => c.createdAt);
    expect(order).toEqual([...order].sort().reverse());
    expect((await commentsOf(patientId)).totalCount).toBe(5);

    const { chartComment } = await graphqlOk(service.url, `query ($id: ID!) { chartComment(id: $id) { id } }`, { id: deleted });
    expect(chartComment).toBeNull();
  });

  it('filters by anchor type, and by one anchored record', async () => {
    const patientId = await newPatient();
    const encounterA = randomUUID();
    const onA = await seed(patientId, '2024-02-01T00:00:00Z', { anchorType: ChartAnchorType.ENCOUNTER, anchorId: encounterA });
    const onB = await seed(patientId, '2024-02-02T00:00:00Z', { anchorType: ChartAnchorType.ENCOUNTER, anchorId: randomUUID() });
    await seed(patientId, '2024-02-03T00:00:00Z', { anchorType: ChartAnchorType.CLAIM, anchorId: encounterA });
    await seed(patientId, '2024-02-04T00:00:00Z');

    const encounters = await commentsOf(patientId, { anchorType: 'ENCOUNTER' });
    expect(encounters.edges.map((e: any) => e.node.id)).toEqual([onB, onA]);
    const one = await commentsOf(patientId, { anchorType: 'ENCOUNTER', anchorId: encounterA });
    expect(one.edges.map((e: any) => e.node.id)).toEqual([onA]);

    const withoutType = await graphql(service.url, COMMENTS, { id: patientId, anchorId: encounterA });
    expect(withoutType.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'anchorType' });
  });

  it('resolves ChartComment and Patient references for the gateway (_entities)', async () => {
    const patientId = await newPatient();
    const comment = await add({ patientId, body: 'Referenced' });
    const data = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on ChartComment { id body } ... on Patient { id chartComments { edges { node { id } } } } } }`, {
      reps: [{ __typename: 'ChartComment', id: comment.id }, { __typename: 'ChartComment', id: randomUUID() }, { __typename: 'Patient', id: patientId }],
    });
    expect(data._entities).toEqual([{ id: comment.id, body: 'Referenced' }, null, { id: patientId, chartComments: { edges: [{ node: { id: comment.id } }] } }]);
  });

  describe('rejects bad input naming the field, and writes nothing', () => {
    let patientId: string;
    beforeAll(async () => {
      patientId = await newPatient();
    });
    const otherPatientsComment = () => seed(randomUUID(), '2024-03-01T00:00:00Z');
    const cases: [string, () => Promise<Record<string, unknown>>, string, string][] = [
      ['an empty body', async () => ({ body: '' }), 'BAD_USER_INPUT', 'body'],
      ['a body of only whitespace', async () => ({ body: ' \n\t ' }), 'BAD_USER_INPUT', 'body'],
      ['a body over 5000 characters', async () => ({ body: 'x'.repeat(5001) }), 'BAD_USER_INPUT', 'body'],
      ['a patientId that is not a UUID', async () => ({ patientId: 'p-1' }), 'BAD_USER_INPUT', 'patientId'],
      ['a parentId that is not a UUID', async () => ({ parentId: 'c-1' }), 'BAD_USER_INPUT', 'parentId'],
      ['an anchor id that is not a UUID', async () => ({ anchor: { type: 'CLAIM', id: 'claim-1' } }), 'BAD_USER_INPUT', 'anchor.id'],
      ['an unknown anchor type', async () => ({ anchor: { type: 'LETTER', id: randomUUID() } }), 'BAD_USER_INPUT', 'anchor.type'],
      ['a parent that does not exist', async () => ({ parentId: randomUUID() }), 'NOT_FOUND', 'parentId'],
      // answers like a missing parent: the other chart may be one the caller cannot see
      ["a parent on another patient's chart", async () => ({ parentId: await otherPatientsComment() }), 'NOT_FOUND', 'parentId'],
    ];
    it.each(cases)('%s', async (_label, change, code, field) => {
      const input = { patientId, body: 'A valid note', ...(await change()) };
      const before = await service.orm.em.fork().count(ChartComment, {});
      const response = await graphql(service.url, ADD, { input });
      expect(response.errors?.[0].extensions).toMatchObject({ code, field });
      expect(await service.orm.em.fork().count(ChartComment, {})).toBe(before);
    });

    it('accepts exactly 5000 characters once trimmed', async () => {
      const comment = await add({ patientId, body: `  ${'y'.repeat(5000)}  ` });
      expect(comment.body).toHaveLength(5000);
    });
  });
  describe('access: who comments and who reads comments', () => {
    const commentRows = (patientId: string) => service.orm.em.fork().count(ChartComment, { patientId });
    const input = (patientId: string) => ({ patientId, body: 'Seen today, stable.' });

    it("lets a nurse of the registering organization comment, and stores the nurse's organization", async () => {
      const patientId = await newPatient();
      const nurse = staff('nurse', organizationId);
      const { id } = (await callOk(service.url, ADD, { input: input(patientId) }, { principal: nurse })).addChartComment;
      const row = await service.orm.em.fork().findOneOrFail(ChartComment, { id });
      expect(row).toMatchObject({ patientId, organizationId, body: 'Seen today, stable.' });
    });

    it('refuses comments by anyone but physicians and nurses (FORBIDDEN), and writes nothing', async () => {
      const patientId = await newPatient();
      for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), patientUser(patientId)]) {
        const response = await call(service.url, ADD, { input: input(patientId) }, { principal });
        expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      expect(await commentRows(patientId)).toBe(0);
    });

    it('answers a comment by a physician who cannot see the patient like an unknown patient (NOT_FOUND on patientId), and writes nothing', async () => {
      const patientId = await newPatient();
      const outsider = staff('physician', await insertOrganization(db.url));
      for (const target of [patientId, randomUUID()]) {
        const response = await call(service.url, ADD, { input: input(target) }, { principal: outsider });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(response.errors?.[0].message).not.toContain(target);
        expect(await commentRows(target)).toBe(0);
      }
    });

    it("hides a patient's comments (list, by id, as a reference) from whoever may not see the chart, until a clinical consent opens it", async () => {
      const patientId = await newPatient();
      const comment = await add({ patientId, body: 'Discussed with family.' });
      const otherOrganizationId = await insertOrganization(db.url);
      const outsider = staff('physician', otherOrganizationId);
      const seenBy = async (principal: UserPrincipal) => {
        const data = await callOk(service.url, `query ($patient: ID!, $id: ID!) {
          chartComment(id: $id) { id }
          _entities(representations: [{ __typename: "ChartComment", id: $id }, { __typename: "Patient", id: $patient }]) {
            ... on ChartComment { id } ... on Patient { chartComments { totalCount } } } }`, { patient: patientId, id: comment.id }, { principal });
        return [data.chartComment, ...data._entities];
      };
      const hidden = [null, null, { chartComments: null }];
      const shown = [{ id: comment.id }, { id: comment.id }, { chartComments: { totalCount: 1 } }];

      expect(await seenBy(physician)).toEqual(shown);
      expect(await seenBy(outsider)).toEqual(hidden);
      expect(await seenBy(staff('billing', organizationId))).toEqual(hidden); // comments are clinical discussion
      expect(await seenBy(patientUser(randomUUID()))).toEqual(hidden);
      await insertConsent(db.url, patientId, otherOrganizationId, 'clinical');
      expect(await seenBy(outsider)).toEqual(shown);
    });
  });

  describe('edits, deletes and retried writes', () => {
    const EDIT = `mutation ($input: EditChartCommentInput!) { editChartComment(input: $input) { ${COMMENT_FIELDS} } }`;
    const DELETE = `mutation ($input: DeleteChartCommentInput!) { deleteChartComment(input: $input) { id deletedAt } }`;
    const edit = async (input: Record<string, unknown>, principal: UserPrincipal = physician) => (await callOk(service.url, EDIT, { input }, { principal })).editChartComment;
    const sql = (text: string, params: unknown[] = []) => withSql(db.url, (query) => query(text, params));
    const eventsOf = (commentId: string) => sql(`select kind, version from messaging.chart_comment_event where comment_id = $1 order by seq`, [commentId]);
    const stored = async (id: string) => (await sql(`select version, body, deleted_at, deleted_by_user_id from messaging.chart_comment where id = $1`, [id]))[0];

    it('keeps every version of an edit and refuses a stale expectedVersion with CONFLICT naming the current version', async () => {
      const { id } = await add({ patientId: await newPatient(), body: 'First reading 150/95.' });
      const edited = await edit({ id, body: '  First reading 150/95, repeat 142/90.  ', expectedVersion: 1 });
      expect(edited).toMatchObject({ version: 2, body: 'First reading 150/95, repeat 142/90.', editedAt: expect.any(String) });
      expect(edited.versions.map((v: any) => [v.version, v.body])).toEqual([[1, 'First reading 150/95.'], [2, 'First reading 150/95, repeat 142/90.']]);

      const stale = await graphql(service.url, EDIT, { input: { id, body: 'Lost update', expectedVersion: 1 } });
      expect(stale.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'expectedVersion', currentVersion: 2 });
      expect(await stored(id)).toMatchObject({ version: 2, body: 'First reading 150/95, repeat 142/90.' });
      expect(await eventsOf(id)).toEqual([{ kind: 'created', version: 1 }, { kind: 'edited', version: 2 }]);
    });

    it('lets only the author edit or delete (FORBIDDEN), answers unknown and hidden comments NOT_FOUND, and changes nothing', async () => {
      const { id } = await add({ patientId: await newPatient(), body: 'Mine.' });
      const colleague = staff('physician', organizationId);
      const outsider = staff('physician', await insertOrganization(db.url));
      const attempts: [UserPrincipal, string, string][] = [[colleague, id, 'FORBIDDEN'], [outsider, id, 'NOT_FOUND'], [physician, randomUUID(), 'NOT_FOUND']];
      for (const [principal, target, code] of attempts) {
        const edited = await call(service.url, EDIT, { input: { id: target, body: 'Theirs.', expectedVersion: 1 } }, { principal });
        const deleted = await call(service.url, DELETE, { input: { id: target } }, { principal });
        for (const response of [edited, deleted]) expect(response.errors?.[0].extensions).toMatchObject({ code, field: 'id' });
      }
      expect(await stored(id)).toMatchObject({ version: 1, body: 'Mine.', deleted_at: null });
      expect(await eventsOf(id)).toEqual([{ kind: 'created', version: 1 }]);
    });

    it('deletes softly: hidden from every read, kept with who deleted it, audited as a write', async () => {
      const patientId = await newPatient();
      const { id } = await add({ patientId, body: 'Wrong chart, sorry.' });
      const stale = await graphql(service.url, DELETE, { input: { id, expectedVersion: 2 } });
      expect(stale.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'expectedVersion', currentVersion: 1 });

      const { deleteChartComment } = await graphqlOk(service.url, DELETE, { input: { id, expectedVersion: 1 } });
      expect(deleteChartComment).toEqual({ id, deletedAt: expect.any(String) });
      expect((await graphqlOk(service.url, `query ($id: ID!) { chartComment(id: $id) { id } }`, { id })).chartComment).toBeNull();
      expect((await commentsOf(patientId)).totalCount).toBe(0);
      expect(await stored(id)).toMatchObject({ body: 'Wrong chart, sorry.', deleted_at: expect.any(Date), deleted_by_user_id: physician.userId });
      const audit = await sql(`select detail from audit.event where patient_id = $1 and action = 'write' and actor_id = $2 order by id`, [patientId, physician.userId]);
      expect(audit.map((row) => row.detail)).toEqual([{ operation: 'create', commentId: id, version: 1 }, { operation: 'delete', commentId: id, version: 1 }]);
      expect((await graphql(service.url, DELETE, { input: { id } })).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      expect(await eventsOf(id)).toEqual([{ kind: 'created', version: 1 }, { kind: 'deleted', version: 1 }]);
    });

    it("keeps a deleted comment's replies in its thread: they name it (id, written, deleted) as deletedParent, without its text", async () => {
      const patientId = await newPatient();
      const first = await add({ patientId, body: 'Start metoprolol?' });
      const colleague = staff('nurse', organizationId);
      const REPLIES = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) {
        ... on Patient { chartComments(first: 10) { edges { node { id parent { id } deletedParent { id createdAt deletedAt } } } } } } }`;
      const reply = (await callOk(service.url, ADD, { input: { patientId, body: 'Agreed.', parentId: first.id } }, { principal: colleague })).addChartComment;
      const nodes = async (principal: UserPrincipal = physician) =>
        ((await callOk(service.url, REPLIES, { id: patientId }, { principal }))._entities[0].chartComments?.edges ?? []).map((edge: any) => edge.node);
      expect(await nodes()).toEqual([{ id: reply.id, parent: { id: first.id }, deletedParent: null }, { id: first.id, parent: null, deletedParent: null }]);

      const { deleteChartComment: deleted } = await graphqlOk(service.url, `mutation ($input: DeleteChartCommentInput!) { deleteChartComment(input: $input) { id createdAt deletedAt } }`, { input: { id: first.id } });
      expect(deleted).toEqual({ id: first.id, createdAt: first.createdAt, deletedAt: expect.any(String) });
      expect(await nodes()).toEqual([{ id: reply.id, parent: null, deletedParent: deleted }]);
      expect(JSON.stringify(await nodes())).not.toContain('metoprolol');
      // an organization that may not see the chart sees neither
      expect(await nodes(staff('physician', await insertOrganization(db.url)))).toEqual([]);
    });

    it('answers a retry with the same clientMessageId with what was stored, writing nothing more; another change with that id is a CONFLICT', async () => {
      const patientId = await newPatient();
      const clientMessageId = randomUUID();
      const first = await add({ patientId, body: 'Once.', clientMessageId });
      const retry = await add({ patientId, body: 'Once.', clientMessageId });
      expect(retry.id).toBe(first.id);
      expect((await commentsOf(patientId)).totalCount).toBe(1);

      const editId = randomUUID();
      expect((await edit({ id: first.id, body: 'Twice.', expectedVersion: 1, clientMessageId: editId })).version).toBe(2);
      // the retry's expectedVersion is stale by now: still the stored edit, not a conflict
      expect((await edit({ id: first.id, body: 'Twice.', expectedVersion: 1, clientMessageId: editId })).version).toBe(2);
      expect(await eventsOf(first.id)).toEqual([{ kind: 'created', version: 1 }, { kind: 'edited', version: 2 }]);

      const elsewhere = await graphql(service.url, ADD, { input: { patientId: await newPatient(), body: 'Once.', clientMessageId } });
      expect(elsewhere.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'clientMessageId' });
      const asEdit = await graphql(service.url, EDIT, { input: { id: first.id, body: 'Thrice.', expectedVersion: 2, clientMessageId } });
      expect(asEdit.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'clientMessageId' });
      // another author's ids are theirs: the same id from a colleague is a new comment
      const colleague = staff('nurse', organizationId);
      const theirs = (await callOk(service.url, ADD, { input: { patientId, body: 'Mine too.', clientMessageId } }, { principal: colleague })).addChartComment;
      expect(theirs.id).not.toBe(first.id);
    });

    it('publishes the mentioned practitioners as a messaging.chart-comment-mention event: all on creation, only those an edit adds', async () => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      const { id } = await add({ patientId: await newPatient(), body: 'Please review.', mentions: [a, b] });
      await edit({ id, body: 'Please review, both.', expectedVersion: 1, mentions: [b, c] });
      const kept = await edit({ id, body: 'Please review, all.', expectedVersion: 2 });
      expect(kept.mentions).toEqual([{ id: b }, { id: c }]);
      const events = await sql(`select key, producer, payload from events.event where topic = 'messaging.chart-comment-mention' and payload->>'commentId' = $1 order by id`, [id]);
      expect(events.map((event) => [event.payload.version, event.payload.practitionerIds])).toEqual([[1, [a, b]], [2, [c]]]);
      expect(events[0]).toMatchObject({ producer: 'messaging', payload: { author: { userId: physician.userId, role: 'physician', organizationId } } });
    });
  });

  it('threads: replies oldest first on the comment; one thread, or only thread starters, on the patient', async () => {
    const patientId = await newPatient();
    const root = await add({ patientId, body: 'Start metformin?' });
    const first = await add({ patientId, body: 'Yes, 500 mg.', parentId: root.id });
    const second = await add({ patientId, body: 'Agreed.', parentId: root.id });
    const other = await add({ patientId, body: 'Separate topic.' });
    const { chartComment } = await graphqlOk(service.url, `query ($id: ID!) { chartComment(id: $id) { replies { totalCount edges { node { id } } } } }`, { id: root.id });
    expect(chartComment.replies).toEqual({ totalCount: 2, edges: [{ node: { id: first.id } }, { node: { id: second.id } }] });
    expect((await commentsOf(patientId, { parentId: root.id })).edges.map((e: any) => e.node.id)).toEqual([second.id, first.id]);
    expect((await commentsOf(patientId, { topLevel: true })).edges.map((e: any) => e.node.id)).toEqual([other.id, root.id]);
  });

  it('reaches the comments pinned to a record from the record (Observation, Claim, ... through _entities), only on charts the caller may see', async () => {
    const patientId = await newPatient();
    const recordId = randomUUID();
    const pinned = await add({ patientId, body: 'HbA1c up again.', anchor: { type: 'OBSERVATION', id: recordId } });
    await add({ patientId, body: 'Other kind, same id.', anchor: { type: 'CONDITION', id: recordId } });
    const ANCHORED = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on Observation { id chartComments { totalCount edges { node { id body } } } } ... on Claim { id chartComments { totalCount } } } }`;
    const reps = [{ __typename: 'Observation', id: recordId }, { __typename: 'Claim', id: recordId }];
    expect((await graphqlOk(service.url, ANCHORED, { reps }))._entities).toEqual([
      { id: recordId, chartComments: { totalCount: 1, edges: [{ node: { id: pinned.id, body: 'HbA1c up again.' } }] } },
      { id: recordId, chartComments: { totalCount: 0 } },
    ]);
    const outsider = staff('physician', await insertOrganization(db.url));
    expect((await callOk(service.url, ANCHORED, { reps }, { principal: outsider }))._entities[0].chartComments).toEqual({ totalCount: 0, edges: [] });
  });
});
