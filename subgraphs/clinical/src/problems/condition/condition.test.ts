import { randomUUID } from 'node:crypto';
import { resourceId, type Principal } from '@caregraph/platform';
import type { Condition as FhirCondition, Practitioner } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { expectRefusedFor, nonClinicalRoles, useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, type UserPrincipal } from '../../../../../test/support/principals';
import { chartOfPatient, FIXTURE_FILES, isoDateTime, patientWithMost, providerOf, refId, resourcesOf, withResources } from '../../../../../test/support/synthea';
import { Condition } from './condition.entity';
import { conditionData } from './condition.fhir';
import { conditionsByEncounter } from './condition.service';

const fixtureConditions = resourcesOf<FhirCondition>('Condition');
const conditionsOf = (patientId: string) => fixtureConditions.filter((c) => refId(c.subject.reference) === patientId);
const isActive = (c: FhirCondition) => ['active', 'recurrence', 'relapse'].includes(c.clinicalStatus!.coding![0].code!);

// the fixture patient with the most conditions, some active and some resolved
const patientId = patientWithMost('Condition');
const theirs = conditionsOf(patientId);
const theirChart = chartOfPatient(patientId);
// of an organization the imported patient was seen at
const physician = staff('physician', providerOf(theirs[0]));

const CONDITION_FIELDS = `id code { system code display } clinicalStatus verificationStatus category onsetAt abatementAt recordedAt
  asserter { id } patient { id } organization { id } encounter { id } createdAt updatedAt`;
const RECORD = `mutation ($input: RecordConditionInput!) { recordCondition(input: $input) { ${CONDITION_FIELDS} } }`;

describe('clinical subgraph: conditions', () => {
  const chart = useChartServices('conditions', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const conditions = chart.patientList('conditions', 'id recordedAt clinicalStatus code { code }', { clinicalStatus: 'ConditionClinicalStatus', category: 'ConditionCategory' });
  const activeProblems = chart.patientList('activeProblems', 'id recordedAt clinicalStatus');
  const conditionsPage = (args: Record<string, unknown>, principal?: UserPrincipal) => conditions.page(patientId, { first: 100, ...args }, principal);

  describe('FHIR import', () => {
    it('creates one row per fixture Condition across all 17 bundles', async () => {
      expect(FIXTURE_FILES).toHaveLength(17);
      expect(fixtureConditions.length).toBeGreaterThan(100);
      await chart.expectEveryFixtureImported('Condition', Condition);
    });

    it('keeps codes, statuses, dates, patient, encounter and source organization exactly as the bundle has them', async () => {
      const rows = new Map((await chart.em().find(Condition, {})).map((row) => [row.id, row]));
      for (const source of fixtureConditions) {
        const coding = source.code!.coding![0];
        expect(rows.get(resourceId('Condition', source.id!))).toMatchObject({
          patientId: refId(source.subject.reference),
          encounterId: refId(source.encounter!.reference),
          organizationId: providerOf(source),
          code: { system: coding.system, code: coding.code, display: coding.display },
          codeValue: coding.code,
          clinicalStatus: source.clinicalStatus!.coding![0].code,
          verificationStatus: source.verificationStatus!.coding![0].code,
          category: 'problem-list-item', // Synthea gives none
          onsetAt: new Date(source.onsetDateTime!),
          abatementAt: source.abatementDateTime ? new Date(source.abatementDateTime) : null,
          recordedAt: new Date(source.recordedDate!),
          asserterPractitionerId: null,
        });
      }
    });

    it('updates in place when a bundle is imported again', async () => {
      const again = await chart.importFile(theirChart.file);
      expect(again.types.Condition).toMatchObject({ created: 0, updated: theirs.length });
      expect(await chart.em().count(Condition, {})).toBe(fixtureConditions.length);
    });

    it('takes the recorded date from the onset when the source has none, and the category as given', async () => {
      const view = bundleViewOf(theirChart.bundle.entry!.map((e) => e.resource!));
      const [practitioner] = theirChart.of<Practitioner>('Practitioner');
      const data = conditionData({
        ...theirs[0], recordedDate: undefined, onsetDateTime: '2019-05-01T10:00:00+02:00',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
        asserter: { reference: `Practitioner/${practitioner.id}` },
      }, view);
      expect(data).toMatchObject({ recordedAt: new Date('2019-05-01T08:00:00Z'), category: 'encounter-diagnosis', asserterPractitionerId: practitioner.id!.toLowerCase() });
    });

    const broken: [string, Partial<FhirCondition>, string][] = [
      ['a code without a coding', { code: { text: 'something' } }, 'Condition.code'],
      ['an unknown clinical status', { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'gone' }] } }, 'Condition.clinicalStatus'],
      ['an unknown verification status', { verificationStatus: { coding: [{ code: 'maybe' }] } }, 'Condition.verificationStatus'],
      ['a category outside the value set', { category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/condition-category', code: 'health-concern' }] }] }, 'Condition.category'],
      ['no recorded date and no onset', { recordedDate: undefined, onsetDateTime: undefined }, 'Condition.recordedDate'],
      ['an abatement before the onset', { onsetDateTime: '2010-01-01', abatementDateTime: '2009-12-31' }, 'Condition.abatementDateTime'],
      ['a malformed onset', { onsetDateTime: '2010-02-30' }, 'Condition.onsetDateTime'],
    ];
    it.each(broken)('refuses a bundle with %s, naming the field, and imports nothing of it', async (_label, change, field) => {
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[1], id: randomUUID(), ...change };
      await chart.expectImportRefused(withResources(theirChart.bundle, fresh, bad), field);
      const em = chart.em();
      expect(await em.count(Condition, { id: { $in: [fresh.id, bad.id] } })).toBe(0);
      expect(await em.count(Condition, {})).toBe(fixtureConditions.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's conditions newest recorded first, and pages through them without repeats", async () => {
      const { nodes: seen, pages } = await conditions.all(patientId, { first: 3 });
      for (const page of pages) expect(page.totalCount).toBe(theirs.length);
      expect(pages).toHaveLength(Math.ceil(theirs.length / 3));
      expect(seen).toHaveLength(theirs.length);
      expect(new Set(seen.map((c) => c.id))).toEqual(new Set(theirs.map((c) => c.id!.toLowerCase())));
      const dates = seen.map((c) => c.recordedAt);
      expect(dates).toEqual([...dates].sort().reverse());
      expect(dates).toEqual(theirs.map((c) => isoDateTime(c.recordedDate)).sort().reverse());
    });

    it('filters by clinical status, category, code, organization and a [from, to) window', async () => {
      const ids = async (args: Record<string, unknown>) => (await conditionsPage(args)).edges.map((e: any) => e.node.id).sort();
      const idsOf = (list: FhirCondition[]) => list.map((c) => c.id!.toLowerCase()).sort();
      const resolved = theirs.filter((c) => c.clinicalStatus!.coding![0].code === 'resolved');
      expect(resolved.length).toBeGreaterThan(0);
      expect(await ids({ clinicalStatus: 'RESOLVED' })).toEqual(idsOf(resolved));
      expect(await ids({ clinicalStatus: 'ACTIVE' })).toEqual(idsOf(theirs.filter((c) => c.clinicalStatus!.coding![0].code === 'active')));
      expect(await ids({ category: 'PROBLEM_LIST_ITEM' })).toEqual(idsOf(theirs));
      expect(await ids({ category: 'ENCOUNTER_DIAGNOSIS' })).toEqual([]);
      const code = theirs[0].code!.coding![0].code!;
      expect(await ids({ code })).toEqual(idsOf(theirs.filter((c) => c.code!.coding![0].code === code)));
      const organizationId = providerOf(theirs[0]);
      expect(await ids({ organizationId })).toEqual(idsOf(theirs.filter((c) => providerOf(c) === organizationId)));
      const sorted = [...theirs].sort((a, b) => a.recordedDate!.localeCompare(b.recordedDate!));
      const from = sorted[1].recordedDate!;
      const to = sorted[sorted.length - 1].recordedDate!;
      expect(await ids({ from, to })).toEqual(idsOf(theirs.filter((c) => new Date(c.recordedDate!) >= new Date(from) && new Date(c.recordedDate!) < new Date(to))));
    });

    it('lists the active problems (active, recurrence, relapse) newest first, paginated', async () => {
      const active = theirs.filter(isActive);
      expect(active.length).toBeGreaterThan(1);
      expect(active.length).toBeLessThan(theirs.length);
      const { nodes: seen, pages } = await activeProblems.all(patientId, { first: 2 });
      for (const page of pages) expect(page.totalCount).toBe(active.length);
      expect(seen.map((c) => c.id).sort()).toEqual(active.map((c) => c.id!.toLowerCase()).sort());
      expect(seen.every((c) => c.clinicalStatus === 'ACTIVE')).toBe(true);
      expect(seen.map((c) => c.recordedAt)).toEqual(active.map((c) => isoDateTime(c.recordedDate)).sort().reverse());
    });

    it('serves one condition by id and as a federated reference, with the chart record fields', async () => {
      const source = theirs.find((c) => c.abatementDateTime)!;
      const id = source.id!.toLowerCase();
      const expected = {
        id,
        code: source.code!.coding![0],
        clinicalStatus: 'RESOLVED',
        verificationStatus: 'CONFIRMED',
        category: 'PROBLEM_LIST_ITEM',
        onsetAt: isoDateTime(source.onsetDateTime),
        abatementAt: isoDateTime(source.abatementDateTime),
        recordedAt: isoDateTime(source.recordedDate),
        asserter: null,
        patient: { id: patientId },
        organization: { id: providerOf(source) },
        encounter: { id: refId(source.encounter!.reference) },
      };
      const { condition } = await graphqlOk(`query ($id: ID!) { condition(id: $id) { ${CONDITION_FIELDS} } }`, { id });
      expect(condition).toMatchObject(expected);
      expect(await chart.references('Condition', [id, randomUUID(), 'nope'], 'id code { code }')).toEqual([{ id, code: { code: source.code!.coding![0].code } }, null, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const condition: ChartRecordRef = { typename: 'Condition', id: theirs[0].id!, patientId, byId: 'condition', list: 'conditions' };
      // a physician elsewhere (not registered there, no consent), billing (registered, but clinical is not billing's), another patient
      for (const principal of await chart.strangers(physician.organizationId!)) {
        expect(await chart.seenBy(principal, condition)).toEqual({ byId: null, entity: null, list: null });
        expect(await activeProblems.page(patientId, {}, principal)).toBeNull();
      }
      // the patient reads their own
      expect((await conditionsPage({}, patientUser(patientId))).totalCount).toBe(theirs.length);
      // an unknown patient answers like a hidden one
      expect(await conditions.page(randomUUID())).toBeNull();
    });

    it("audits a list read as one 'read' row for the patient, naming Condition", async () => {
      const reader = staff('physician', physician.organizationId!);
      await conditionsPage({ first: 5 }, reader);
      expect(await chart.auditRows({ actorId: reader.userId, action: 'read' })).toEqual([
        { action: 'read', outcome: 'success', record_types: ['Condition'], purpose: 'treatment', detail: { records: Math.min(5, theirs.length) } },
      ]);
    });
  });

  describe('conditions by encounter (DataLoader)', () => {
    it("batches each encounter's conditions, newest first, and leaves out those of hidden patients", async () => {
      const byEncounter = new Map<string, FhirCondition[]>();
      for (const c of fixtureConditions) byEncounter.set(refId(c.encounter!.reference), [...(byEncounter.get(refId(c.encounter!.reference)) ?? []), c]);
      const mine = [...byEncounter.keys()].filter((id) => refId(byEncounter.get(id)![0].subject.reference) === patientId);
      const other = [...byEncounter.keys()].find((id) => refId(byEncounter.get(id)![0].subject.reference) !== patientId)!;
      const busiest = mine.sort((a, b) => byEncounter.get(b)!.length - byEncounter.get(a)!.length)[0];

      const ctx = await chart.contextFor(patientUser(patientId));
      const loader = conditionsByEncounter(ctx);
      expect(conditionsByEncounter(ctx)).toBe(loader); // one per request
      const [own, others, unknown, malformed] = await Promise.all([loader.load(busiest), loader.load(other), loader.load(randomUUID()), loader.load('nope')]);
      expect(own.map((c) => c.id).sort()).toEqual(byEncounter.get(busiest)!.map((c) => c.id!.toLowerCase()).sort());
      const dates = own.map((c) => c.recordedAt.toISOString());
      expect(dates).toEqual([...dates].sort().reverse());
      expect(others).toEqual([]); // another patient's: left out
      expect(unknown).toEqual([]);
      expect(malformed).toEqual([]);
      expect(byEncounter.get(other)!.length).toBeGreaterThan(0);
    });
  });

  describe('recordCondition', () => {
    let organizationId: string;
    let clinician: UserPrincipal;
    beforeAll(async () => {
      organizationId = await insertOrganization(chart.db.url);
      clinician = staff('physician', organizationId);
    });
    const record = (input: Record<string, unknown>, principal: Principal = clinician) => graphql(RECORD, { input }, principal);
    const rowsOf = (id: string) => chart.em().count(Condition, { patientId: id });
    const valid = (id: string) => ({
      patientId: id,
      code: { system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' },
      clinicalStatus: 'ACTIVE',
      verificationStatus: 'CONFIRMED',
      onsetAt: '2020-03-01T00:00:00Z',
    });

    it("records a condition for the caller's organization and lists it first", async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
      const started = Date.now();
      const { data, errors } = await record({ ...valid(id), code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }, category: 'ENCOUNTER_DIAGNOSIS' });
      expect(errors).toBeUndefined();
      const condition = data!.recordCondition;
      expect(condition).toMatchObject({
        code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: null },
        clinicalStatus: 'ACTIVE', verificationStatus: 'CONFIRMED', category: 'ENCOUNTER_DIAGNOSIS',
        onsetAt: '2020-03-01T00:00:00.000Z', abatementAt: null,
        patient: { id }, organization: { id: organizationId }, encounter: null,
      });
      expect(new Date(condition.recordedAt).getTime()).toBeGreaterThanOrEqual(started - 1000);
      // resolved later: a second entry with its abatement, no category (problem list)
      const { data: second } = await record({ ...valid(id), clinicalStatus: 'RESOLVED', abatementAt: '2021-01-01T00:00:00Z' });
      expect(second!.recordCondition).toMatchObject({ clinicalStatus: 'RESOLVED', category: 'PROBLEM_LIST_ITEM', abatementAt: '2021-01-01T00:00:00.000Z' });
      const list = await conditions.page(id, {}, clinician);
      expect(list.edges.map((e: any) => e.node.id)).toEqual([second!.recordCondition.id, condition.id]);
      const active = await activeProblems.page(id, {}, clinician);
      expect(active.edges.map((e: any) => e.node.id)).toEqual([condition.id]);
      const write = { action: 'write', outcome: 'success', record_types: ['Condition'], purpose: 'treatment', detail: { operation: 'create' } };
      expect(await chart.auditRows({ patientId: id, action: 'write' })).toEqual([write, write]);
    });

    it("links it to one of the patient's encounters, and to no other", async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
      const encounter = (patient: string) => chart.recordEncounter(patient, organizationId, { principal: clinician });
      const own = await encounter(id);
      const { data } = await record({ ...valid(id), encounterId: own });
      expect(data!.recordCondition.encounter).toEqual({ id: own });
      const elsewhere = await encounter(await insertPatient(chart.db.url, [organizationId]));
      for (const encounterId of [elsewhere, randomUUID()]) {
        const response = await record({ ...valid(id), encounterId });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'encounterId' });
      }
      expect(await rowsOf(id)).toBe(1);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await insertPatient(chart.db.url, [organizationId]);
      });
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const cases: [string, Record<string, unknown>, string][] = [
        ['a code system other than SNOMED CT or ICD-10-CM', { code: { system: 'http://loinc.org', code: '4548-4' } }, 'code.system'],
        ['a code without a system', { code: { code: '44054006' } }, 'code.system'],
        ['an empty code', { code: { system: 'http://snomed.info/sct', code: '' } }, 'code.code'],
        ['an onset in the future', { onsetAt: future }, 'onsetAt'],
        ['an abatement before the onset', { clinicalStatus: 'RESOLVED', abatementAt: '2020-02-29T23:59:59Z' }, 'abatementAt'],
        ['an abatement of an active condition', { abatementAt: '2021-01-01T00:00:00Z' }, 'clinicalStatus'],
        ['no clinical status', { clinicalStatus: null }, 'clinicalStatus'],
        ['a clinical status on an entry in error', { verificationStatus: 'ENTERED_IN_ERROR' }, 'clinicalStatus'],
        ['a clinical status outside the value set', { clinicalStatus: 'CURED' }, 'clinicalStatus'],
        ['a patientId that is not a UUID', { patientId: 'patient-1' }, 'patientId'],
        ['an encounterId that is not a UUID', { encounterId: 'visit-1' }, 'encounterId'],
        ['a date that does not exist', { onsetAt: '2023-02-29T00:00:00Z' }, 'onsetAt'],
      ];
      it.each(cases)('%s', async (_label, change, field) => {
        const response = await record({ ...valid(id), ...change });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await rowsOf(id)).toBe(0);
      });

      it('accepts the same input once corrected (the cases fail only for their own reason)', async () => {
        expect((await record(valid(id))).errors).toBeUndefined();
        expect((await record({ ...valid(id), verificationStatus: 'ENTERED_IN_ERROR', clinicalStatus: null })).errors).toBeUndefined();
        expect(await rowsOf(id)).toBe(2);
      });
    });

    it('lets only physicians and nurses record conditions (FORBIDDEN otherwise), and writes nothing', async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
      await expectRefusedFor(nonClinicalRoles(organizationId, id), (principal) => record(valid(id), principal), 'FORBIDDEN');
      expect(await rowsOf(id)).toBe(0);
      expect((await record(valid(id), staff('nurse', organizationId))).errors).toBeUndefined();
      expect(await rowsOf(id)).toBe(1);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId, and writes nothing', async () => {
      for (const id of await chart.hiddenAndUnknownPatients()) {
        const response = await record(valid(id));
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(id)).toBe(0);
      }
    });

    it('lets a clinician of an organization the patient consented to record, under their own organization', async () => {
      const consented = await insertOrganization(chart.db.url);
      const id = await insertPatient(chart.db.url, [organizationId]);
      await insertConsent(chart.db.url, id, consented, 'clinical');
      const { data, errors } = await record(valid(id), staff('physician', consented));
      expect(errors).toBeUndefined();
      expect(data!.recordCondition.organization).toEqual({ id: consented });
    });
  });
});
