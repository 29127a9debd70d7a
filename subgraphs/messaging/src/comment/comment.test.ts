import { randomUUID } from 'node:crypto';
import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, type UserPrincipal } from '../../../../test/support/principals';
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

  const ADD = `mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) {
    id body createdAt editedAt anchor { type id } parent { id } patient { id } author { id } } }`;
  const COMMENTS = `query ($id: ID!, $first: Int, $after: String, $anchorType: ChartAnchorType, $anchorId: ID) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { chartComments(first: $first, after: $after, anchorType: $anchorType, anchorId: $anchorId) {
        totalCount edges { node { id body createdAt } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const add = async (input: Record<string, unknown>) => (await graphqlOk(service.url, ADD, { input })).addChartComment;
  const commentsOf = async (id: string, args: Record<string, unknown> = {}) => (await graphqlOk(service.url, COMMENTS, { id, ...args }))._entities[0].chartComments;

  /** Rows with chosen timestamps, for ordering tests (the mutation always stamps "now"). */
  async function seed(patientId: string, createdAt: string, extra: Partial<ChartComment> = {}): Promise<string> {
    const em = service.orm.em.fork();
    const comment = em.create(ChartComment, { patientId, body: `note ${createdAt}`, createdAt: new Date(createdAt), ...extra });
    await em.flush();
    return comment.id;
  }

  it('adds a comment with trimmed body, anchor and reply, and reads it back', async () => {
    const patientId = await newPatient();
    const encounterId = randomUUID();
    const first = await add({ patientId, body: '  BP trending up, recheck in 2 weeks.  ', anchor: { type: 'ENCOUNTER', id: encounterId } });
    expect(first).toMatchObject({
      body: 'BP trending up, recheck in 2 weeks.',
      editedAt: null,
      anchor: { type: 'ENCOUNTER', id: encounterId },
      parent: null,
      patient: { id: patientId },
      author: null,
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
});
