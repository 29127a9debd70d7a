import { randomUUID } from 'node:crypto';
import { resourceId } from '@caregraph/platform';
import type { CarePlan as FhirCarePlan, Goal as FhirGoal } from '@medplum/fhirtypes';
import { expectOnlyDenied, useChartServices } from '../../../../../test/support/chart-services';
import { insertOrganization, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { chartOfPatient, enumValue, fixtureCharts, latestProviderOf, patientWithMost, refId, resourcesOf, type FixtureChart } from '../../../../../test/support/synthea';
import { Goal } from './goal.entity';
import { goalTargets } from './goal-target';

const FIELDS = `id lifecycleStatus achievementStatus { system code display } description descriptionCode { system code display }
  startAt startSource addressedRecordIds targets { measure { system code display } detail due }
  encounter { id } organization { id } patient { id }`;
const BY_ID = `query ($id: ID!) { goal(id: $id) { ${FIELDS} } }`;

/**
 * What the API must return for a fixture Goal. Synthea goals have no date, no encounter and no
 * target: they start with the care plan naming them, and come from the organization of the
 * bundle's latest encounter.
 */
function expectedNode(goal: FhirGoal, chart: FixtureChart) {
  const id = resourceId('Goal', goal.id!);
  const plans = chart.of<FhirCarePlan>('CarePlan').filter((p) => (p.goal ?? []).some((g) => refId(g.reference) === id));
  const start = plans.map((p) => new Date(p.period!.start!).toISOString()).sort()[0];
  const achievement = goal.achievementStatus!.coding![0];
  return {
    id,
    lifecycleStatus: enumValue(goal.lifecycleStatus),
    achievementStatus: { system: achievement.system, code: achievement.code, display: null },
    description: goal.description.text,
    descriptionCode: null,
    startAt: start,
    startSource: 'CARE_PLAN',
    addressedRecordIds: [],
    targets: [],
    encounter: null,
    organization: { id: latestProviderOf(chart) },
    patient: { id: chart.patientId },
  };
}

const newestFirst = (a: { startAt: string; id: string }, b: { startAt: string; id: string }) => b.startAt.localeCompare(a.startAt) || a.id.localeCompare(b.id);

describe('clinical subgraph: goals', () => {
  // the fixture patient with the most goals, read by a physician of one of their providers
  const subject = chartOfPatient(patientWithMost('Goal'));
  const subjectGoals = subject.of<FhirGoal>('Goal');
  const physician = staff('physician', subject.organizationIds[0]);
  const chart = useChartServices('goals', { principal: () => physician });
  const { graphqlOk } = chart;
  const goals = chart.patientList('goals', FIELDS, { lifecycleStatus: 'GoalLifecycleStatus' });
  const goalsOf = goals.page;

  describe('FHIR import', () => {
    it('imports every Goal of the 17 fixtures once', async () => {
      expect(resourcesOf('Goal')).toHaveLength(42);
      await chart.expectEveryFixtureImported('Goal', Goal);
    });

    it("stores every goal as the fixtures have it, starting with its care plan, from the bundle's latest encounter's organization", async () => {
      const rows = new Map((await withSql(chart.db.url, (sql) => sql('select * from clinical.goal'))).map((row) => [row.id, row]));
      let checked = 0;
      for (const fixture of fixtureCharts()) {
        for (const goal of fixture.of<FhirGoal>('Goal')) {
          const expected = expectedNode(goal, fixture);
          const row = rows.get(expected.id);
          expect({
            lifecycle: row.lifecycle_status, achievement: row.achievement_status, description: row.description, code: row.description_code, code_value: row.code_value,
            target: row.target, start: row.start_at.toISOString(), source: row.start_source, addressed: row.addressed_record_ids,
            patient: row.patient_id, encounter: row.encounter_id, organization: row.organization_id,
          }).toEqual({
            lifecycle: goal.lifecycleStatus, achievement: expected.achievementStatus, description: expected.description, code: null, code_value: null,
            target: null, start: expected.startAt, source: 'care-plan', addressed: [],
            patient: fixture.patientId, encounter: null, organization: expected.organization.id,
          });
          checked += 1;
        }
      }
      expect(checked).toBe(42);
    });

    it('takes startDate, targets and a coded description when given; a goal without date or plan starts at its first import, kept on re-import', async () => {
      const ids = { patient: randomUUID(), organization: randomUUID(), encounter: randomUUID(), risk: randomUUID(), dated: randomUUID(), undated: randomUUID() };
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: `urn:uuid:${ids.patient}`, resource: { resourceType: 'Patient', id: ids.patient, name: [{ family: 'Test', given: ['Goal'] }], gender: 'female', birthDate: '1955-05-05' } },
          { fullUrl: `urn:uuid:${ids.organization}`, resource: { resourceType: 'Organization', id: ids.organization, name: 'Goal Test Clinic' } },
          { fullUrl: `urn:uuid:${ids.encounter}`, resource: {
            resourceType: 'Encounter', id: ids.encounter, status: 'finished', class: { code: 'AMB' }, subject: { reference: `urn:uuid:${ids.patient}` },
            serviceProvider: { reference: `urn:uuid:${ids.organization}` }, period: { start: '2022-01-10T09:00:00Z' } } },
          { fullUrl: `urn:uuid:${ids.risk}`, resource: { resourceType: 'RiskAssessment', id: ids.risk, status: 'final', subject: { reference: `urn:uuid:${ids.patient}` } } },
          { fullUrl: `urn:uuid:${ids.dated}`, resource: {
            resourceType: 'Goal', id: ids.dated, lifecycleStatus: 'active', subject: { reference: `urn:uuid:${ids.patient}` }, startDate: '2022-01-15',
            description: { coding: [{ system: 'http://snomed.info/sct', code: '281004', display: 'Lower HbA1c' }] },
            addresses: [{ reference: `urn:uuid:${ids.risk}` }],
            target: [
              { measure: { coding: [{ system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }] }, detailQuantity: { value: 7.5, comparator: '<', unit: '%' }, dueDate: '2022-07-01' },
              { detailRange: { low: { value: 18.5, unit: 'kg/m2' }, high: { value: 25, unit: 'kg/m2' } }, dueDuration: { value: 12, unit: 'wk' } },
            ] } },
          { fullUrl: `urn:uuid:${ids.undated}`, resource: {
            resourceType: 'Goal', id: ids.undated, lifecycleStatus: 'proposed', subject: { reference: `urn:uuid:${ids.patient}` }, description: { text: 'Walk daily' } } },
        ],
      };
      const before = Date.now();
      await chart.importBundle(bundle, 'goals.json');
      const after = Date.now();
      const reader = patientUser(ids.patient);
      const { goal: dated } = await graphqlOk(BY_ID, { id: ids.dated }, reader);
      expect(dated).toEqual({
        id: ids.dated, lifecycleStatus: 'ACTIVE', achievementStatus: null, description: 'Lower HbA1c',
        descriptionCode: { system: 'http://snomed.info/sct', code: '281004', display: 'Lower HbA1c' },
        startAt: '2022-01-15T00:00:00.000Z', startSource: 'START_DATE', addressedRecordIds: [ids.risk],
        targets: [
          { measure: { system: 'http://loinc.org', code: '4548-4', display: 'Hemoglobin A1c' }, detail: '< 7.5 %', due: '2022-07-01' },
          { measure: null, detail: '18.5-25 kg/m2', due: '12 wk' },
        ],
        encounter: null, organization: { id: ids.organization }, patient: { id: ids.patient },
      });
      const { goal: undated } = await graphqlOk(BY_ID, { id: ids.undated }, reader);
      expect(undated).toMatchObject({ description: 'Walk daily', startSource: 'IMPORT', targets: [] });
      expect(new Date(undated.startAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(undated.startAt).getTime()).toBeLessThanOrEqual(after + 1000);
      // the code filter finds the coded goal
      const coded = await goalsOf(ids.patient, { code: '281004' }, reader);
      expect(coded.edges.map((e: any) => e.node.id)).toEqual([ids.dated]);

      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = await chart.importBundle(bundle, 'goals.json');
      expect(again.types.Goal).toMatchObject({ created: 0, updated: 2 });
      expect((await graphqlOk(BY_ID, { id: ids.undated }, reader)).goal.startAt).toBe(undated.startAt);
    });

    it('renders each kind of target detail in words', () => {
      expect(goalTargets([
        { detailCodeableConcept: { coding: [{ code: 'N', display: 'Normal' }] } },
        { detailString: 'no pain at rest' },
        { detailBoolean: false },
        { detailInteger: 3 },
        { detailRatio: { numerator: { value: 1 }, denominator: { value: 2, unit: 'd' } } },
        { detailRange: { low: { value: 60, unit: 'mg/dL' } } },
        {},
      ]).map((t) => t.detail)).toEqual(['Normal', 'no pain at rest', 'no', '3', '1/2 d', '>= 60 mg/dL', null]);
      expect(goalTargets(null)).toEqual([]);
    });

    it.each([
      ['a lifecycle status outside FHIR', (goal: any) => { goal.lifecycleStatus = 'ongoing'; }, 'Goal.lifecycleStatus'],
      ['no description', (goal: any) => { delete goal.description; }, 'Goal.description'],
      ['a startDate that does not exist', (goal: any) => { goal.startDate = '2021-02-30'; }, 'Goal.startDate'],
    ])('rejects a bundle with a goal with %s, naming the field, and imports nothing of it', async (_name, spoil, field) => {
      const source = fixtureCharts().find((c) => c.of('Goal').length > 0)!;
      const before = await withSql(chart.db.url, (sql) => sql('select id, lifecycle_status, start_at, updated_at from clinical.goal order by id'));
      const bundle = structuredClone(source.bundle);
      spoil(bundle.entry!.find((e) => e.resource!.resourceType === 'Goal')!.resource);
      await chart.expectImportRefused(bundle, field);
      expect(await withSql(chart.db.url, (sql) => sql('select id, lifecycle_status, start_at, updated_at from clinical.goal order by id'))).toEqual(before);
    });
  });

  describe('reads', () => {
    it("lists the patient's goals newest start first, page by page without repeats, each as in the fixture", async () => {
      expect(subjectGoals.length).toBeGreaterThan(3);
      const { nodes, pages } = await goals.all(subject.patientId, { first: 3 });
      expect(pages).toHaveLength(Math.ceil(subjectGoals.length / 3));
      expect(nodes.map((n) => n.id)).toEqual([...new Set(nodes.map((n) => n.id))]);
      expect(nodes).toEqual(subjectGoals.map((g) => expectedNode(g, subject)).sort(newestFirst));
      expect((await goalsOf(subject.patientId, { first: 1 })).totalCount).toBe(subjectGoals.length);
    });

    it('filters by lifecycle status, organization and a window on the start', async () => {
      const expected = subjectGoals.map((g) => expectedNode(g, subject)).sort(newestFirst);
      const ids = async (args: Record<string, unknown>) => (await goalsOf(subject.patientId, { first: 100, ...args })).edges.map((e: any) => e.node.id);
      expect(await ids({ lifecycleStatus: 'ACCEPTED' })).toEqual(expected.filter((g) => g.lifecycleStatus === 'ACCEPTED').map((g) => g.id));
      expect(expected.every((g) => g.lifecycleStatus === 'ACCEPTED')).toBe(true);
      expect(await ids({ lifecycleStatus: 'COMPLETED' })).toEqual([]);
      expect(await ids({ organizationId: expected[0].organization.id })).toEqual(expected.map((g) => g.id));
      expect(await ids({ organizationId: randomUUID() })).toEqual([]);
      const starts = [...new Set(expected.map((g) => g.startAt))].sort();
      expect(starts.length).toBeGreaterThan(1);
      const from = starts[starts.length - 1];
      expect(await ids({ from })).toEqual(expected.filter((g) => g.startAt >= from).map((g) => g.id));
      expect(await ids({ to: from })).toEqual(expected.filter((g) => g.startAt < from).map((g) => g.id));
    });

    it('answers goal(id) and _entities for a visible goal, null for unknown ids', async () => {
      const expected = expectedNode(subjectGoals[0], subject);
      expect((await graphqlOk(BY_ID, { id: expected.id }, physician)).goal).toEqual(expected);
      expect((await graphqlOk(BY_ID, { id: randomUUID() }, physician)).goal).toBeNull();
      expect(await chart.references('Goal', [expected.id, randomUUID()], 'id description')).toEqual([{ id: expected.id, description: expected.description }, null]);
    });

    it('lets the patient read their own goals; a hidden patient answers like an unknown one, the refusal audited', async () => {
      expect((await goalsOf(subject.patientId, { first: 1 }, patientUser(subject.patientId))).totalCount).toBe(subjectGoals.length);
      const outsider = staff('nurse', await insertOrganization(chart.db.url));
      expect(await goalsOf(subject.patientId, {}, outsider)).toBeNull();
      expect(await goalsOf(randomUUID(), {}, outsider)).toBeNull();
      const id = resourceId('Goal', subjectGoals[0].id!);
      expect((await graphqlOk(BY_ID, { id }, outsider)).goal).toBeNull();
      expect((await graphqlOk(BY_ID, { id }, staff('org_admin', subject.organizationIds[0]))).goal).toBeNull();
      expectOnlyDenied(await chart.auditRows({ patientId: subject.patientId, actorId: outsider.userId }), 'Goal');
    });
  });
});
