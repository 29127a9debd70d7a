import { randomUUID } from 'node:crypto';
import type { RunningSubgraph } from '@caregraph/platform';
import { createTestDatabase } from '../../../../test/support/database';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { clinicalSubgraph } from '../subgraph';

describe('clinical subgraph: encounters', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let service: RunningSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase('encounters');
    service = await startTestSubgraph(clinicalSubgraph, db.url);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  const RECORD = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id status classCode periodStart periodEnd } }`;
  const PATIENT_ENCOUNTERS = `query ($id: ID!, $first: Int, $after: String, $status: EncounterStatus, $from: DateTimeISO, $to: DateTimeISO) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { encounters(first: $first, after: $after, status: $status, from: $from, to: $to) {
        totalCount edges { node { id status periodStart } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const organizationId = randomUUID();

  const record = (patientId: string, periodStart: string, extra: Record<string, unknown> = {}) =>
    graphqlOk(service.url, RECORD, { input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart, ...extra } }).then((d) => d.recordEncounter);
  const encountersOf = async (id: string, args: Record<string, unknown> = {}) =>
    (await graphqlOk(service.url, PATIENT_ENCOUNTERS, { id, ...args }))._entities[0].encounters;
  const countOf = async (patientId: string) => (await encountersOf(patientId)).totalCount as number;

  it('records an encounter and returns it with its codes, period and federated references', async () => {
    const patientId = randomUUID();
    const practitionerId = randomUUID();
    const { id } = await record(patientId, '2024-03-01T09:00:00Z', {
      classCode: 'EMER',
      periodEnd: '2024-03-01T11:30:00+01:00',
      type: { system: 'http://snomed.info/sct', code: '50849002', display: 'Emergency room admission' },
      reasons: [{ system: 'http://snomed.info/sct', code: '10509002' }],
      participantPractitionerIds: [practitionerId, practitionerId],
    });
    const { encounter } = await graphqlOk(service.url, `query ($id: ID!) { encounter(id: $id) {
      id status classCode periodStart periodEnd type { system code display } reasons { system code display }
      patient { id } organization { id } participants { id } } }`, { id });
    expect(encounter).toEqual({
      id,
      status: 'FINISHED',
      classCode: 'EMER',
      periodStart: '2024-03-01T09:00:00.000Z',
      periodEnd: '2024-03-01T10:30:00.000Z',
      type: { system: 'http://snomed.info/sct', code: '50849002', display: 'Emergency room admission' },
      reasons: [{ system: 'http://snomed.info/sct', code: '10509002', display: null }],
      patient: { id: patientId },
      organization: { id: organizationId },
      participants: [{ id: practitionerId }],
    });
  });

  it("lists a patient's encounters newest first and pages through them without repeats", async () => {
    const patientId = randomUUID();
    const starts = ['2021-01-05T10:00:00Z', '2023-06-01T08:00:00Z', '2022-02-02T12:00:00Z', '2023-06-01T08:00:00Z', '2020-07-07T07:00:00Z'];
    const ids = [];
    for (const start of starts) ids.push((await record(patientId, start)).id);
    await record(randomUUID(), '2023-12-31T00:00:00Z'); // another patient's

    const seen: { id: string; periodStart: string }[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: any = await encountersOf(patientId, { first: 2, after });
      seen.push(...page.edges.map((e: any) => e.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after);

    expect(pages).toBe(3);
    expect(new Set(seen.map((e) => e.id))).toEqual(new Set(ids));
    expect(seen).toHaveLength(5);
    const startsSeen = seen.map((e) => e.periodStart);
    expect(startsSeen).toEqual([...startsSeen].sort().reverse());
    expect(startsSeen[0]).toBe('2023-06-01T08:00:00.000Z');
  });

  it('filters by status and by a [from, to) window on the start', async () => {
    const patientId = randomUUID();
    await record(patientId, '2022-01-01T00:00:00Z');
    const planned = await record(patientId, '2022-06-01T00:00:00Z', { status: 'PLANNED' });
    const june = await record(patientId, '2022-06-15T00:00:00Z');
    await record(patientId, '2022-07-01T00:00:00Z');

    const byStatus = await encountersOf(patientId, { status: 'PLANNED' });
    expect(byStatus.edges.map((e: any) => e.node.id)).toEqual([planned.id]);
    expect(byStatus.totalCount).toBe(1);

    const window = await encountersOf(patientId, { from: '2022-06-01T00:00:00Z', to: '2022-07-01T00:00:00Z' });
    expect(window.edges.map((e: any) => e.node.id)).toEqual([june.id, planned.id]);

    const both = await encountersOf(patientId, { status: 'FINISHED', from: '2022-06-01T00:00:00Z', to: '2022-07-01T00:00:00Z' });
    expect(both.edges.map((e: any) => e.node.id)).toEqual([june.id]);

    const reversed = await graphql(service.url, PATIENT_ENCOUNTERS, { id: patientId, from: '2022-07-01T00:00:00Z', to: '2022-06-01T00:00:00Z' });
    expect(reversed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it('resolves Encounter references for other subgraphs (_entities), null for unknown ids', async () => {
    const { id } = await record(randomUUID(), '2024-01-01T00:00:00Z');
    const data = await graphqlOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Encounter { id classCode } } }`, {
      reps: [{ __typename: 'Encounter', id }, { __typename: 'Encounter', id: randomUUID() }, { __typename: 'Encounter', id: 'not-a-uuid' }],
    });
    expect(data._entities).toEqual([{ id, classCode: 'AMB' }, null, null]);
  });

  it('answers a Patient it has never seen with an empty encounter list', async () => {
    const data = await graphqlOk(service.url, `{ _entities(representations: [{ __typename: "Patient", id: "${randomUUID()}" }]) { ... on Patient { encounters { totalCount edges { node { id } } } } } }`);
    expect(data._entities).toEqual([{ encounters: { totalCount: 0, edges: [] } }]);
  });

  describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
    const patientId = randomUUID();
    const valid = { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-02-01T10:00:00Z' };
    const cases: [string, Record<string, unknown>, string][] = [
      ['a patientId that is not a UUID', { patientId: 'patient-1' }, 'patientId'],
      ['an organizationId that is not a UUID', { organizationId: '12345' }, 'organizationId'],
      ['a status outside the FHIR value set', { status: 'DONE' }, 'status'],
      ['a periodEnd before periodStart', { periodEnd: '2024-02-01T09:59:59Z' }, 'periodEnd'],
      ['a date that does not exist', { periodStart: '2023-02-29T10:00:00Z' }, 'periodStart'],
      ['a date-time without a time zone', { periodStart: '2024-02-01T10:00:00' }, 'periodStart'],
      ['an empty class code', { classCode: '' }, 'classCode'],
      ['a coding without a code', { type: { system: 'http://snomed.info/sct', code: '' } }, 'type.code'],
      ['a practitioner id that is not a UUID', { participantPractitionerIds: ['dr-who'] }, 'participantPractitionerIds'],
    ];
    it.each(cases)('%s', async (_label, change, field) => {
      const before = await countOf(patientId);
      const response = await graphql(service.url, RECORD, { input: { ...valid, ...change } });
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      // the value never comes back in the message (it may be PHI)
      for (const value of Object.values(change)) if (typeof value === 'string' && value) expect(response.errors?.[0].message).not.toContain(value);
      expect(await countOf(patientId)).toBe(before);
    });

    it('accepts the same input once corrected (the cases above fail only for their own reason)', async () => {
      await record(patientId, valid.periodStart);
      expect(await countOf(patientId)).toBe(1);
    });
  });
});
