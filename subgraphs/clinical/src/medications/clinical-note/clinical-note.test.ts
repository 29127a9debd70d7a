import { randomUUID } from 'node:crypto';
import type { Principal } from '@caregraph/platform';
import { expectOnlyDenied, expectRefusedFor, nonClinicalRoles, useChartServices } from '../../../../../test/support/chart-services';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql } from '../../../../../test/support/principals';

const FIELDS = `id title text status version authorUserId authorPractitioner { id } createdAt updatedAt
  patient { id } organization { id } encounter { id } versions { version title text authorUserId createdAt }`;
const WRITE = `mutation ($input: WriteClinicalNoteInput!) { writeClinicalNote(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($input: UpdateClinicalNoteInput!) { updateClinicalNote(input: $input) { ${FIELDS} } }`;
const BY_ID = `query ($id: ID!) { clinicalNote(id: $id) { ${FIELDS} } }`;

describe('clinical subgraph: clinical notes', () => {
  let organizationId: string;
  let author: ReturnType<typeof staff>;
  const chart = useChartServices('clinical_notes', { fixtures: false, principal: () => author });
  const { graphql, graphqlOk } = chart;
  beforeAll(async () => {
    organizationId = await insertOrganization(chart.db.url);
    author = staff('physician', organizationId);
  });
  const notes = chart.patientList('clinicalNotes', 'id title createdAt organization { id }');
  const newPatient = () => insertPatient(chart.db.url, [organizationId]);
  const write = (patientId: string, extra: Record<string, unknown> = {}, as: Principal = author) =>
    graphqlOk(WRITE, { input: { patientId, title: 'Follow-up', text: 'Blood pressure controlled on current dose.', ...extra } }, as).then((d) => d.writeClinicalNote);
  const noteRows = (patientId: string) =>
    withSql(chart.db.url, (sql) => sql('select count(*)::int as n from clinical.clinical_note where patient_id = $1', [patientId])).then((r) => r[0].n as number);
  const versionRows = (noteId: string) =>
    withSql(chart.db.url, (sql) => sql('select version, title, text, author_user_id from clinical.clinical_note_version where note_id = $1 order by version', [noteId]));

  describe('writeClinicalNote', () => {
    it("writes version 1 for the caller's organization, authored by the caller, with its first version row and an audit row", async () => {
      const patientId = await newPatient();
      const note = await write(patientId, { title: '  Follow-up visit  ', text: 'Line one\n  indented line two\n' });
      expect(note).toMatchObject({
        title: 'Follow-up visit', text: 'Line one\n  indented line two\n', status: 'CURRENT', version: 1,
        authorUserId: author.userId, authorPractitioner: null,
        patient: { id: patientId }, organization: { id: organizationId }, encounter: null,
      });
      expect(note.versions).toEqual([{ version: 1, title: 'Follow-up visit', text: 'Line one\n  indented line two\n', authorUserId: author.userId, createdAt: note.createdAt }]);
      expect(await versionRows(note.id)).toEqual([{ version: 1, title: 'Follow-up visit', text: 'Line one\n  indented line two\n', author_user_id: author.userId }]);
      expect(await chart.auditRows({ patientId, actorId: author.userId, action: 'write' })).toEqual([
        { action: 'write', outcome: 'success', record_types: ['ClinicalNote'], purpose: 'treatment', detail: { operation: 'create', noteId: note.id } },
      ]);
    });

    it('links an encounter of the same patient; refuses one of another patient (NOT_FOUND encounterId), writing nothing', async () => {
      const patientId = await newPatient();
      const encounterId = await chart.recordEncounter(patientId, organizationId);
      expect((await write(patientId, { encounterId })).encounter).toEqual({ id: encounterId });
      const other = await newPatient();
      const response = await graphql(WRITE, { input: { patientId: other, title: 'x', text: 'y', encounterId } }, author);
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'encounterId' });
      expect(await noteRows(other)).toBe(0);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      it.each<[string, Record<string, unknown>, string]>([
        ['an empty title', { title: '' }, 'title'],
        ['a blank title', { title: '   ' }, 'title'],
        ['a title over 200 characters', { title: 't'.repeat(201) }, 'title'],
        ['an empty text', { text: '' }, 'text'],
        ['a blank text', { text: ' \n\t ' }, 'text'],
        ['a text over 20,000 characters', { text: 'x'.repeat(20001) }, 'text'],
        ['a patientId that is not a UUID', { patientId: 'p-1' }, 'patientId'],
        ['an encounterId that is not a UUID', { encounterId: 'e-1' }, 'encounterId'],
      ])('%s', async (_name, change, field) => {
        const patientId = await newPatient();
        const response = await graphql(WRITE, { input: { patientId, title: 'Title', text: 'Text', ...change } }, author);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await noteRows(patientId)).toBe(0);
      });

      it('accepts exactly 200 characters of title and 20,000 of text', async () => {
        const note = await write(await newPatient(), { title: 't'.repeat(200), text: 'x'.repeat(20000) });
        expect([note.title.length, note.text.length]).toEqual([200, 20000]);
      });
    });

    it('lets physicians and nurses write, nobody else (FORBIDDEN, nothing written)', async () => {
      const patientId = await newPatient();
      await expectRefusedFor(nonClinicalRoles(organizationId, patientId), (principal) => graphql(WRITE, { input: { patientId, title: 'T', text: 'X' } }, principal), 'FORBIDDEN');
      expect(await noteRows(patientId)).toBe(0);
      const nurse = staff('nurse', organizationId);
      expect((await write(patientId, {}, nurse)).authorUserId).toBe(nurse.userId);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId; a consent lets another organization write for itself', async () => {
      const [hidden, unknown] = await chart.hiddenAndUnknownPatients();
      for (const patientId of [hidden, unknown]) {
        const response = await graphql(WRITE, { input: { patientId, title: 'T', text: 'X' } }, author);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(response.errors?.[0].message).not.toContain(patientId);
        expect(await noteRows(patientId)).toBe(0);
      }
      await insertConsent(chart.db.url, hidden, organizationId, 'clinical');
      expect((await write(hidden)).organization).toEqual({ id: organizationId });
    });
  });

  describe('updateClinicalNote', () => {
    it('saves an edit of the current version as the next version; earlier versions stay readable', async () => {
      const patientId = await newPatient();
      const note = await write(patientId, { title: 'Plan', text: 'Start metformin.' });
      const { updateClinicalNote: second } = await graphqlOk(UPDATE, { input: { id: note.id, expectedVersion: 1, text: 'Start metformin 500 mg.' } }, author);
      expect(second).toMatchObject({ id: note.id, title: 'Plan', text: 'Start metformin 500 mg.', version: 2, createdAt: note.createdAt, authorUserId: author.userId });
      expect(new Date(second.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(note.updatedAt).getTime());
      const { updateClinicalNote: third } = await graphqlOk(UPDATE, { input: { id: note.id, expectedVersion: 2, title: ' Plan (revised) ' } }, author);
      expect(third).toMatchObject({ title: 'Plan (revised)', text: 'Start metformin 500 mg.', version: 3 });
      const { clinicalNote } = await graphqlOk(BY_ID, { id: note.id }, staff('nurse', organizationId));
      expect(clinicalNote.versions.map((v: any) => [v.version, v.title, v.text, v.authorUserId])).toEqual([
        [3, 'Plan (revised)', 'Start metformin 500 mg.', author.userId],
        [2, 'Plan', 'Start metformin 500 mg.', author.userId],
        [1, 'Plan', 'Start metformin.', author.userId],
      ]);
      const writes = await chart.auditRows({ patientId, actorId: author.userId, action: 'write' });
      expect(writes.map((r) => r.detail)).toEqual([
        { operation: 'create', noteId: note.id },
        { operation: 'update', noteId: note.id, version: 2 },
        { operation: 'update', noteId: note.id, version: 3 },
      ]);
    });

    it('refuses a stale expectedVersion with CONFLICT naming the current version, and changes nothing', async () => {
      const note = await write(await newPatient(), { text: 'v1' });
      await graphqlOk(UPDATE, { input: { id: note.id, expectedVersion: 1, text: 'v2' } }, author);
      for (const expectedVersion of [1, 3]) {
        const response = await graphql(UPDATE, { input: { id: note.id, expectedVersion, text: 'lost update' } }, author);
        expect(response.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'expectedVersion', currentVersion: 2 });
      }
      expect((await versionRows(note.id)).map((v) => [v.version, v.text])).toEqual([[1, 'v1'], [2, 'v2']]);
      expect((await graphqlOk(BY_ID, { id: note.id }, author)).clinicalNote).toMatchObject({ version: 2, text: 'v2' });
    });

    it('serializes concurrent edits: of several based on the same version exactly one succeeds, the others get CONFLICT with the current version', async () => {
      const note = await write(await newPatient(), { text: 'base' });
      for (const parallel of [2, 8]) {
        const { clinicalNote: before } = await graphqlOk(BY_ID, { id: note.id }, author);
        const responses = await Promise.all(Array.from({ length: parallel }, (_, i) =>
          graphql(UPDATE, { input: { id: note.id, expectedVersion: before.version, text: `edit ${parallel}/${i}` } }, author)));
        const succeeded = responses.filter((r) => !r.errors);
        const conflicts = responses.filter((r) => r.errors);
        expect(succeeded).toHaveLength(1);
        expect(conflicts).toHaveLength(parallel - 1);
        for (const response of conflicts) {
          expect(response.errors?.[0].extensions).toEqual({ code: 'CONFLICT', field: 'expectedVersion', currentVersion: before.version + 1 });
        }
        const winner = succeeded[0].data.updateClinicalNote;
        expect(winner.version).toBe(before.version + 1);
        const rows = await versionRows(note.id);
        expect(rows.map((r) => r.version)).toEqual(Array.from({ length: before.version + 1 }, (_, i) => i + 1));
        expect(rows.at(-1)!.text).toBe(winner.text);
        expect((await graphqlOk(BY_ID, { id: note.id }, author)).clinicalNote).toMatchObject({ version: before.version + 1, text: winner.text });
      }
    });

    it("lets only the author edit: a colleague of the same organization gets FORBIDDEN, another organization's clinician NOT_FOUND", async () => {
      const patientId = await newPatient();
      const note = await write(patientId, { text: 'mine' });
      const colleague = staff('physician', organizationId);
      const forbidden = await graphql(UPDATE, { input: { id: note.id, expectedVersion: 1, text: 'theirs' } }, colleague);
      expect(forbidden.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'id' });
      const outsider = staff('physician', await insertOrganization(chart.db.url));
      const hidden = await graphql(UPDATE, { input: { id: note.id, expectedVersion: 1, text: 'theirs' } }, outsider);
      expect(hidden.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      const unknown = await graphql(UPDATE, { input: { id: randomUUID(), expectedVersion: 1, text: 'x' } }, author);
      expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
      // the author's own user id acting in another role is not a clinician
      const asBilling = staff('billing', organizationId, author.userId);
      expect((await graphql(UPDATE, { input: { id: note.id, expectedVersion: 1, text: 'x' } }, asBilling)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await versionRows(note.id)).map((v) => v.text)).toEqual(['mine']);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and changes nothing', () => {
      it.each<[string, Record<string, unknown>, string]>([
        ['neither title nor text', {}, 'text'],
        ['a blank title', { title: '  ' }, 'title'],
        ['an empty text', { text: '' }, 'text'],
        ['a text over 20,000 characters', { text: 'x'.repeat(20001) }, 'text'],
        ['a title over 200 characters', { title: 't'.repeat(201) }, 'title'],
        ['a version below 1', { expectedVersion: 0, text: 'x' }, 'expectedVersion'],
        ['an id that is not a UUID', { id: 'note-1', text: 'x' }, 'id'],
      ])('%s', async (_name, change, field) => {
        const note = await write(await newPatient(), { text: 'unchanged' });
        const response = await graphql(UPDATE, { input: { id: note.id, expectedVersion: 1, ...change } }, author);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect((await versionRows(note.id)).map((v) => v.text)).toEqual(['unchanged']);
      });
    });
  });

  describe('reads', () => {
    it("lists the patient's notes newest first, page by page without repeats, filtered by organization and time", async () => {
      const patientId = await newPatient();
      const otherOrganization = await insertOrganization(chart.db.url);
      await insertConsent(chart.db.url, patientId, otherOrganization, 'clinical');
      const written: { id: string; createdAt: string }[] = [];
      for (let i = 0; i < 5; i++) written.push(await write(patientId, { title: `note ${i}` }, i === 2 ? staff('nurse', otherOrganization) : author));
      const expected = [...written].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id)).map((n) => n.id);

      const { nodes, pages } = await notes.all(patientId, { first: 2 });
      expect(pages).toHaveLength(3);
      expect(nodes.map((node) => node.id)).toEqual(expected);

      const list = async (args: Record<string, unknown>) => (await notes.page(patientId, { first: 10, ...args })).edges.map((e: any) => e.node.id);
      expect(await list({ organizationId: otherOrganization })).toEqual([written[2].id]);
      expect(await list({ from: written[3].createdAt })).toEqual(expected.filter((id) => written.find((n) => n.id === id)!.createdAt >= written[3].createdAt));
      const response = await graphql(notes.query, { id: patientId, code: '123' });
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    });

    it('answers clinicalNote(id) and _entities for a visible note; a hidden patient like an unknown one; the patient reads their own', async () => {
      const patientId = await newPatient();
      const note = await write(patientId);
      expect((await graphqlOk(BY_ID, { id: note.id }, patientUser(patientId))).clinicalNote).toMatchObject({ id: note.id, versions: [{ version: 1 }] });
      expect(await chart.references('ClinicalNote', [note.id, randomUUID()], 'id title')).toEqual([{ id: note.id, title: 'Follow-up' }, null]);

      const outsider = staff('physician', await insertOrganization(chart.db.url));
      expect((await graphqlOk(BY_ID, { id: note.id }, outsider)).clinicalNote).toBeNull();
      expect((await graphqlOk(BY_ID, { id: note.id }, staff('billing', organizationId))).clinicalNote).toBeNull();
      expect(await notes.page(patientId, {}, outsider)).toBeNull();
      expectOnlyDenied(await chart.auditRows({ patientId, actorId: outsider.userId }), 'ClinicalNote');
    });
  });
});
