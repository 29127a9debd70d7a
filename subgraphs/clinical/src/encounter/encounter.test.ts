import { randomUUID } from 'node:crypto';
import { expectRefusedFor, nonClinicalRoles, useChartServices, type ChartRecordRef } from '../../../../test/support/chart-services';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../test/support/principals';
import { Encounter } from './encounter.entity';

describe('clinical subgraph: encounters', () => {
  // the caller: a physician of the organization every test patient is registered at
  let organizationId: string;
  let physician: ReturnType<typeof staff>;
  const chart = useChartServices('encounters', { fixtures: false, principal: () => physician });
  const { graphql, graphqlOk } = chart;
  beforeAll(async () => {
    organizationId = await insertOrganization(chart.db.url);
    physician = staff('physician', organizationId);
  });
  const newPatient = () => insertPatient(chart.db.url, [organizationId]);

  const RECORD = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id status classCode periodStart periodEnd } }`;
  const encounters = chart.patientList('encounters', 'id status periodStart', { status: 'EncounterStatus' });
  const record = (patientId: string, periodStart: string, extra: Record<string, unknown> = {}) =>
    graphqlOk(RECORD, { input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart, ...extra } }).then((d) => d.recordEncounter);
  const encountersOf = encounters.page;
  const countOf = async (patientId: string) => (await encountersOf(patientId)).totalCount as number;

  it('records an encounter and returns it with its codes, period and federated references', async () => {
    const patientId = await newPatient();
    const practitionerId = randomUUID();
    const { id } = await record(patientId, '2024-03-01T09:00:00Z', {
      classCode: 'EMER',
      periodEnd: '2024-03-01T11:30:00+01:00',
      type: { system: 'http://snomed.info/sct', code: '50849002', display: 'Emergency room admission' },
      reasons: [{ system: 'http://snomed.info/sct', code: '10509002' }],
      participantPractitionerIds: [practitionerId, practitionerId],
    });
    const { encounter } = await graphqlOk(`query ($id: ID!) { encounter(id: $id) {
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
    const patientId = await newPatient();
    const starts = ['2021-01-05T10:00:00Z', '2023-06-01T08:00:00Z', '2022-02-02T12:00:00Z', '2023-06-01T08:00:00Z', '2020-07-07T07:00:00Z'];
    const ids = [];
    for (const start of starts) ids.push((await record(patientId, start)).id);
    await record(await newPatient(), '2023-12-31T00:00:00Z'); // another patient's

    const { nodes: seen, pages } = await encounters.all(patientId, { first: 2 });

    expect(pages).toHaveLength(3);
    expect(new Set(seen.map((e) => e.id))).toEqual(new Set(ids));
    expect(seen).toHaveLength(5);
    const startsSeen = seen.map((e) => e.periodStart);
    expect(startsSeen).toEqual([...startsSeen].sort().reverse());
    expect(startsSeen[0]).toBe('2023-06-01T08:00:00.000Z');
  });

  it('filters by status and by a [from, to) window on the start', async () => {
    const patientId = await newPatient();
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

    const reversed = await graphql(encounters.query, { id: patientId, from: '2022-07-01T00:00:00Z', to: '2022-06-01T00:00:00Z' });
    expect(reversed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it('resolves Encounter references for other subgraphs (_entities), null for unknown ids', async () => {
    const { id } = await record(await newPatient(), '2024-01-01T00:00:00Z');
    expect(await chart.references('Encounter', [id, randomUUID(), 'not-a-uuid'], 'id classCode')).toEqual([{ id, classCode: 'AMB' }, null, null]);
  });

  it('answers a visible Patient without encounters with an empty list, and an unknown one like a hidden one (null)', async () => {
    const selection = 'encounters { totalCount edges { node { id } } }';
    expect(await chart.patientFields(await newPatient(), selection)).toEqual({ encounters: { totalCount: 0, edges: [] } });
    expect(await chart.patientFields(randomUUID(), selection)).toEqual({ encounters: null });
  });

  describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
    let patientId: string;
    let valid: Record<string, unknown>;
    beforeAll(async () => {
      patientId = await newPatient();
      valid = { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-02-01T10:00:00Z' };
    });
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
      const response = await graphql(RECORD, { input: { ...valid, ...change } });
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      // the value never comes back in the message (it may be PHI)
      for (const value of Object.values(change)) if (typeof value === 'string' && value) expect(response.errors?.[0].message).not.toContain(value);
      expect(await countOf(patientId)).toBe(before);
    });

    it('accepts the same input once corrected (the cases above fail only for their own reason)', async () => {
      await record(patientId, valid.periodStart as string);
      expect(await countOf(patientId)).toBe(1);
    });
  });
  describe('access: who sees and records encounters', () => {
    let otherOrganizationId: string;
    let stranger: UserPrincipal; // a physician of an organization the patient is not registered at
    beforeAll(async () => {
      otherOrganizationId = await insertOrganization(chart.db.url);
      stranger = staff('physician', otherOrganizationId);
    });

    const ENCOUNTER = `query ($id: ID!) { encounter(id: $id) { id } }`;
    /** What `principal` gets for one encounter: by id, as a reference, and in the patient's list. */
    const seenBy = (principal: UserPrincipal, patientId: string, encounterId: string) => {
      const encounter: ChartRecordRef = { typename: 'Encounter', id: encounterId, patientId, byId: 'encounter', list: 'encounters', listSelection: 'totalCount edges { node { id } }' };
      return chart.seenBy(principal, encounter);
    };
    const NOTHING = { byId: null, entity: null, list: null };
    const encounterRows = (patientId: string) => chart.em().count(Encounter, { patientId });

    it('hides encounters from a physician of an unrelated organization, exactly like unknown ones', async () => {
      const patientId = await newPatient();
      const { id } = await record(patientId, '2024-04-01T08:00:00Z');
      expect(await seenBy(physician, patientId, id)).toEqual({ byId: { id }, entity: { id }, list: { totalCount: 1, edges: [{ node: { id } }] } });
      expect(await seenBy(stranger, patientId, id)).toEqual(NOTHING);
    });

    it("shows them to that organization once the patient consents to share the clinical record", async () => {
      const patientId = await newPatient();
      const { id } = await record(patientId, '2024-04-02T08:00:00Z');
      const colleague = staff('physician', otherOrganizationId);
      expect(await seenBy(colleague, patientId, id)).toEqual(NOTHING);
      await insertConsent(chart.db.url, patientId, otherOrganizationId, 'clinical');
      expect(await seenBy(colleague, patientId, id)).toEqual({ byId: { id }, entity: { id }, list: { totalCount: 1, edges: [{ node: { id } }] } });
    });

    it('shows billing staff no encounters, even of patients registered at their organization', async () => {
      const patientId = await newPatient();
      const { id } = await record(patientId, '2024-04-03T08:00:00Z');
      expect(await seenBy(staff('billing', organizationId), patientId, id)).toEqual(NOTHING);
      // the patient sees their own
      expect((await seenBy(patientUser(patientId), patientId, id)).byId).toEqual({ id });
    });

    it('lets only physicians and nurses record encounters (FORBIDDEN otherwise), and writes nothing', async () => {
      const patientId = await newPatient();
      const input = { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-04-04T08:00:00Z' };
      await expectRefusedFor(nonClinicalRoles(organizationId, patientId), (principal) => graphql(RECORD, { input }, principal), 'FORBIDDEN');
      expect(await encounterRows(patientId)).toBe(0);
      await graphqlOk(RECORD, { input }, staff('nurse', organizationId));
      expect(await encounterRows(patientId)).toBe(1);
    });

    it("refuses an encounter for another organization than the caller's (FORBIDDEN on organizationId)", async () => {
      const patientId = await newPatient();
      const response = await graphql(RECORD, {
        input: { patientId, organizationId: otherOrganizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-04-05T08:00:00Z' },
      });
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'organizationId' });
      expect(await encounterRows(patientId)).toBe(0);
    });

    it('answers an encounter for a hidden patient like an unknown patient (NOT_FOUND on patientId), and writes nothing', async () => {
      const [hidden, unknown] = await chart.hiddenAndUnknownPatients();
      for (const patientId of [hidden, unknown]) {
        const response = await graphql(RECORD, {
          input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-04-06T08:00:00Z' },
        });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(response.errors?.[0].message).not.toContain(patientId);
        expect(await encounterRows(patientId)).toBe(0);
      }
      expect(await chart.auditRows({ patientId: hidden, actorId: physician.userId, action: 'write' })).toEqual([]);
    });

    it("audits a list read as one 'read' row for the patient, naming Encounter", async () => {
      const patientId = await newPatient();
      await record(patientId, '2024-04-07T08:00:00Z');
      await record(patientId, '2024-04-08T08:00:00Z');
      const reader = staff('physician', organizationId);
      expect((await seenBy(reader, patientId, randomUUID())).list.totalCount).toBe(2);
      const reads = await chart.auditRows({ patientId, actorId: reader.userId, action: 'read' });
      expect(reads).toEqual([{ action: 'read', outcome: 'success', record_types: ['Encounter'], purpose: 'treatment', detail: { records: 2 } }]);
    });

    it("audits a refused read of an existing encounter as 'denied'", async () => {
      const patientId = await newPatient();
      const { id } = await record(patientId, '2024-04-09T08:00:00Z');
      const outsider = staff('physician', otherOrganizationId);
      expect((await graphqlOk(ENCOUNTER, { id }, outsider)).encounter).toBeNull();
      const rows = await chart.auditRows({ patientId, actorId: outsider.userId });
      expect(rows).toEqual([expect.objectContaining({ outcome: 'denied', record_types: ['Encounter'] })]);
      // an id that exists nowhere leaves no row about anybody
      const before = await chart.auditRows({ actorId: outsider.userId });
      expect((await graphqlOk(ENCOUNTER, { id: randomUUID() }, outsider)).encounter).toBeNull();
      expect(await chart.auditRows({ actorId: outsider.userId })).toEqual(before);
    });

    it("audits recordEncounter as a 'write' row in the same transaction", async () => {
      const patientId = await newPatient();
      const writer = staff('physician', organizationId);
      const { id } = await graphqlOk(RECORD, {
        input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-04-10T08:00:00Z' },
      }, writer).then((d) => d.recordEncounter);
      expect(id).toBeDefined();
      const writes = await chart.auditRows({ patientId, actorId: writer.userId, action: 'write' });
      expect(writes).toEqual([{ action: 'write', outcome: 'success', record_types: ['Encounter'], purpose: 'treatment', detail: { operation: 'create' } }]);
    });
  });

  describe('visit details and chart filters', () => {
    const SUMMARY = `mutation ($input: SetVisitSummaryInput!) { setVisitSummary(input: $input) { id visitSummary locationName } }`;

    it('records location and summary, and lets only the providing organization rewrite or clear the summary', async () => {
      const patientId = await newPatient();
      const { id } = await record(patientId, '2024-05-01T09:00:00Z', { locationName: 'Ward 3B', visitSummary: '  Chest pain ruled out.  ' });
      const { encounter } = await graphqlOk(`query ($id: ID!) { encounter(id: $id) { locationName visitSummary } }`, { id });
      expect(encounter).toEqual({ locationName: 'Ward 3B', visitSummary: 'Chest pain ruled out.' });

      expect((await graphqlOk(SUMMARY, { input: { encounterId: id, visitSummary: 'Follow up in 2 weeks.' } })).setVisitSummary.visitSummary).toBe('Follow up in 2 weeks.');
      // a clinician of another organization who may see the chart (consent) still may not rewrite it
      const elsewhere = await insertOrganization(chart.db.url);
      await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
      const refused = await graphql(SUMMARY, { input: { encounterId: id, visitSummary: 'x' } }, staff('physician', elsewhere));
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'encounterId' });
      // one who may not see it gets NOT_FOUND, like an unknown encounter
      const hidden = await graphql(SUMMARY, { input: { encounterId: id, visitSummary: 'x' } }, staff('physician', await insertOrganization(chart.db.url)));
      expect(hidden.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'encounterId' });
      expect((await graphqlOk(SUMMARY, { input: { encounterId: id, visitSummary: '   ' } })).setVisitSummary.visitSummary).toBeNull();
    });

    it('filters a patient\'s encounters by providing organization and by type code', async () => {
      const patientId = await newPatient();
      const other = await insertOrganization(chart.db.url);
      await record(patientId, '2024-01-01T00:00:00Z', { type: { system: 'http://snomed.info/sct', code: '185349003' } });
      const checkup = await record(patientId, '2024-02-01T00:00:00Z', { type: { system: 'http://snomed.info/sct', code: '410620009' } });
      // recorded elsewhere (import path: another organization's encounter of the same patient)
      await withSql(chart.db.url, (sql) => sql(`insert into clinical.encounter (id, patient_id, organization_id, status, class_code, period_start) values ($1, $2, $3, 'finished', 'AMB', '2024-03-01')`, [randomUUID(), patientId, other]));
      const ids = async (args: Record<string, unknown>) => (await encountersOf(patientId, args)).edges.map((e: any) => e.node.id);
      expect(await ids({ code: '410620009' })).toEqual([checkup.id]);
      expect(await ids({ organizationId: other })).toHaveLength(1);
      expect(await ids({ organizationId: organizationId })).toHaveLength(2);
    });
  });
});
