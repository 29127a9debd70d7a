import { randomUUID } from 'node:crypto';
import { resourceId } from '@caregraph/platform';
import type { CarePlan as FhirCarePlan, Goal as FhirGoal } from '@medplum/fhirtypes';
import { expectOnlyDenied, useChartServices } from '../../../../../test/support/chart-services';
import { insertOrganization, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { chartOfPatient, enumValue, fixtureCharts, patientWithMost, providerOf, refId, resourcesOf, type FixtureChart } from '../../../../../test/support/synthea';
import { CarePlan } from './care-plan.entity';
import { narrativeText } from '../fhir-helpers';

const FIELDS = `id status intent title description periodStart periodEnd categories { system code display }
  activities { code { system code display } status location } addressedConditionIds
  encounter { id } organization { id } patient { id }`;
const BY_ID = `query ($id: ID!) { carePlan(id: $id) { ${FIELDS} goals { id description lifecycleStatus } } }`;

/** What the API must return for a fixture CarePlan (Synthea: one category, activities with code and status, no title). */
function expectedNode(plan: FhirCarePlan, chart: FixtureChart) {
  const category = plan.category![0].coding![0];
  return {
    id: resourceId('CarePlan', plan.id!),
    status: enumValue(plan.status),
    intent: enumValue(plan.intent),
    title: plan.category![0].text,
    description: narrativeText(plan.text!.div),
    periodStart: new Date(plan.period!.start!).toISOString(),
    periodEnd: plan.period!.end ? new Date(plan.period!.end).toISOString() : null,
    categories: [{ system: category.system, code: category.code, display: category.display }],
    activities: plan.activity!.map((a) => ({
      code: { system: a.detail!.code!.coding![0].system, code: a.detail!.code!.coding![0].code, display: a.detail!.code!.coding![0].display },
      status: enumValue(a.detail!.status),
      location: null,
    })),
    addressedConditionIds: (plan.addresses ?? []).map((r) => refId(r.reference)),
    encounter: { id: refId(plan.encounter!.reference) },
    organization: { id: providerOf(plan) },
    patient: { id: chart.patientId },
  };
}

const newestFirst = (a: { periodStart: string; id: string }, b: { periodStart: string; id: string }) =>
  b.periodStart.localeCompare(a.periodStart) || a.id.localeCompare(b.id);

describe('clinical subgraph: care plans', () => {
  // the fixture patient with the most care plans (several with goals), read by a physician of one of their providers
  const subject = chartOfPatient(patientWithMost('CarePlan'));
  const subjectPlans = subject.of<FhirCarePlan>('CarePlan');
  const physician = staff('physician', subject.organizationIds[0]);
  const chart = useChartServices('care_plans', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const plans = chart.patientList('carePlans', FIELDS, { status: 'CarePlanStatus' });
  const plansOf = plans.page;

  describe('FHIR import', () => {
    it('imports every CarePlan of the 17 fixtures once', async () => {
      expect(resourcesOf('CarePlan')).toHaveLength(65);
      await chart.expectEveryFixtureImported('CarePlan', CarePlan);
    });

    it('stores every plan exactly as the fixtures have it: codes, period, activities, addressed conditions, goals', async () => {
      const rows = new Map((await withSql(chart.db.url, (sql) => sql('select * from clinical.care_plan'))).map((row) => [row.id, row]));
      let checked = 0;
      for (const fixture of fixtureCharts()) {
        for (const plan of fixture.of<FhirCarePlan>('CarePlan')) {
          const expected = expectedNode(plan, fixture);
          const row = rows.get(expected.id);
          expect({
            status: row.status, intent: row.intent, categories: row.categories, code_value: row.code_value, title: row.title,
            period_start: row.period_start.toISOString(), period_end: row.period_end?.toISOString() ?? null,
            activities: row.activities, addressed: row.addressed_condition_ids, goals: row.goal_ids,
            patient: row.patient_id, encounter: row.encounter_id, organization: row.organization_id,
          }).toEqual({
            status: plan.status, intent: plan.intent, categories: expected.categories, code_value: expected.categories[0].code, title: expected.title,
            period_start: expected.periodStart, period_end: expected.periodEnd,
            activities: plan.activity!.map((a) => ({ code: { ...a.detail!.code!.coding![0] }, status: a.detail!.status, location: null })),
            addressed: expected.addressedConditionIds, goals: (plan.goal ?? []).map((g) => refId(g.reference)),
            patient: fixture.patientId, encounter: expected.encounter.id, organization: expected.organization.id,
          });
          // the narrative as plain text: no markup left, every list item on its own line
          expect(row.description).not.toMatch(/[<>]/);
          for (const item of plan.text!.div.match(/<li>([^<]*)<\/li>/g) ?? []) expect(row.description).toContain(`\n- ${item.slice(4, -5)}`);
          checked += 1;
        }
      }
      expect(checked).toBe(65);
    });

    it('turns the narrative into plain text lines', () => {
      expect(narrativeText('<div xmlns="http://www.w3.org/1999/xhtml">Care Plan for Routine antenatal care.<br/>Activities: <ul><li>Routine antenatal care</li><li>Antenatal blood tests</li></ul><br/>Care plan is meant to treat Normal pregnancy.</div>'))
        .toBe('Care Plan for Routine antenatal care.\nActivities:\n- Routine antenatal care\n- Antenatal blood tests\nCare plan is meant to treat Normal pregnancy.');
      expect(narrativeText('<div><p>Diet &amp; exercise &lt;daily&gt;</p><script>alert(1)</script><p><b>Walk</b> 30&#160;min &#x2013; <i>brisk</i></p></div>'))
        .toBe('Diet & exercise <daily>\nWalk 30\u00a0min \u2013 brisk');
      expect(narrativeText('<div>   </div>')).toBeNull();
      expect(narrativeText(undefined)).toBeNull();
    });

    it('keeps a given title and description, starts an undated plan at its creation, and skips activities without a coded detail', async () => {
      const ids = { patient: randomUUID(), organization: randomUUID(), encounter: randomUUID(), plan: randomUUID() };
      await chart.importBundle({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: `urn:uuid:${ids.patient}`, resource: { resourceType: 'Patient', id: ids.patient, name: [{ family: 'Test', given: ['Plan'] }], gender: 'male', birthDate: '1960-02-02' } },
          { fullUrl: `urn:uuid:${ids.organization}`, resource: { resourceType: 'Organization', id: ids.organization, name: 'Plan Test Clinic' } },
          { fullUrl: `urn:uuid:${ids.encounter}`, resource: {
            resourceType: 'Encounter', id: ids.encounter, status: 'finished', class: { code: 'AMB' }, subject: { reference: `urn:uuid:${ids.patient}` },
            serviceProvider: { reference: `urn:uuid:${ids.organization}` }, period: { start: '2021-03-01T09:00:00Z' } } },
          { fullUrl: `urn:uuid:${ids.plan}`, resource: {
            resourceType: 'CarePlan', id: ids.plan, status: 'draft', intent: 'proposal', title: ' Heart failure plan ', description: 'Weekly review with the nurse',
            text: { status: 'generated', div: '<div>ignored: the description wins</div>' },
            subject: { reference: `urn:uuid:${ids.patient}` }, encounter: { reference: `urn:uuid:${ids.encounter}` }, created: '2021-03-01T09:30:00+01:00',
            category: [{ coding: [{ system: 'http://snomed.info/sct', code: '735984001', display: 'Heart failure self management plan' }] }],
            activity: [
              { reference: { display: 'a referenced request' } },
              { detail: { status: 'scheduled', code: { coding: [{ system: 'http://snomed.info/sct', code: '183071003', display: 'Home visit' }] }, location: { display: 'Patient home' } } },
            ] } },
        ],
      }, 'plan.json');
      const { carePlan } = await graphqlOk(BY_ID, { id: ids.plan }, patientUser(ids.patient));
      expect(carePlan).toMatchObject({
        status: 'DRAFT', intent: 'PROPOSAL', title: 'Heart failure plan', description: 'Weekly review with the nurse',
        periodStart: '2021-03-01T08:30:00.000Z', periodEnd: null, addressedConditionIds: [], goals: [],
        activities: [{ code: { system: 'http://snomed.info/sct', code: '183071003', display: 'Home visit' }, status: 'SCHEDULED', location: 'Patient home' }],
        organization: { id: ids.organization }, encounter: { id: ids.encounter },
      });
    });

    it.each([
      ['a status outside FHIR', (plan: any) => { plan.status = 'finished'; }, 'CarePlan.status'],
      ['an activity status outside FHIR', (plan: any) => { plan.activity[0].detail.status = 'done'; }, 'CarePlan.activity[0].detail.status'],
      ['an end before the start', (plan: any) => { plan.period.end = '1900-01-01'; }, 'CarePlan.period.end'],
    ])('rejects a bundle with %s, naming the field, and imports nothing of it', async (_name, spoil, field) => {
      const source = fixtureCharts().find((c) => c.of('CarePlan').length > 0 && c.of('CarePlan').length < 4)!;
      const before = await withSql(chart.db.url, (sql) => sql('select id, status, updated_at from clinical.care_plan order by id'));
      const bundle = structuredClone(source.bundle);
      spoil(bundle.entry!.find((e) => e.resource!.resourceType === 'CarePlan')!.resource);
      await chart.expectImportRefused(bundle, field);
      expect(await withSql(chart.db.url, (sql) => sql('select id, status, updated_at from clinical.care_plan order by id'))).toEqual(before);
    });
  });

  describe('reads', () => {
    it("lists the patient's plans newest first, page by page without repeats, each exactly as in the fixture", async () => {
      expect(subjectPlans.length).toBeGreaterThan(4);
      const { nodes, pages } = await plans.all(subject.patientId, { first: 2 });
      expect(pages).toHaveLength(Math.ceil(subjectPlans.length / 2));
      expect(nodes.map((n) => n.id)).toEqual([...new Set(nodes.map((n) => n.id))]);
      expect(nodes).toEqual(subjectPlans.map((p) => expectedNode(p, subject)).sort(newestFirst));
      expect((await plansOf(subject.patientId, { first: 1 })).totalCount).toBe(subjectPlans.length);
    });

    it('filters by status, category code, organization and a window on the start', async () => {
      const expectedIds = (keep: (p: FhirCarePlan) => boolean) => subjectPlans.filter(keep).map((p) => expectedNode(p, subject)).sort(newestFirst).map((n) => n.id);
      const ids = async (args: Record<string, unknown>) => (await plansOf(subject.patientId, { first: 100, ...args })).edges.map((e: any) => e.node.id);
      for (const status of ['active', 'completed']) {
        const expected = expectedIds((p) => p.status === status);
        expect(expected.length).toBeGreaterThan(0);
        expect(await ids({ status: enumValue(status) })).toEqual(expected);
      }
      expect(await ids({ status: 'REVOKED' })).toEqual([]);
      const code = subjectPlans[0].category![0].coding![0].code!;
      expect(await ids({ code })).toEqual(expectedIds((p) => p.category![0].coding![0].code === code));
      for (const organizationId of subject.organizationIds) {
        expect(await ids({ organizationId })).toEqual(expectedIds((p) => expectedNode(p, subject).organization.id === organizationId));
      }
      const starts = subjectPlans.map((p) => new Date(p.period!.start!).getTime()).sort((a, b) => a - b);
      const [from, to] = [starts[1], starts[starts.length - 1]];
      const window = expectedIds((p) => new Date(p.period!.start!).getTime() >= from && new Date(p.period!.start!).getTime() < to);
      expect(window.length).toBeGreaterThan(0);
      expect(window.length).toBeLessThan(subjectPlans.length);
      expect(await ids({ from: new Date(from).toISOString(), to: new Date(to).toISOString() })).toEqual(window);
    });

    it("resolves a plan's goals in plan order, each as the fixture has it", async () => {
      const goals = new Map(subject.of<FhirGoal>('Goal').map((g) => [resourceId('Goal', g.id!), g]));
      const withGoals = subjectPlans.filter((p) => p.goal?.length);
      expect(withGoals.length).toBeGreaterThan(1);
      for (const plan of withGoals) {
        const { carePlan } = await graphqlOk(BY_ID, { id: resourceId('CarePlan', plan.id!) }, physician);
        expect(carePlan.goals).toEqual(plan.goal!.map((ref) => {
          const goal = goals.get(refId(ref.reference))!;
          return { id: refId(ref.reference), description: goal.description.text, lifecycleStatus: enumValue(goal.lifecycleStatus) };
        }));
      }
    });

    it('resolves the goals of a whole page of plans, audited as Goal reads', async () => {
      const reader = staff('physician', subject.organizationIds[0]);
      const query = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) {
        ... on Patient { carePlans(first: 100) { edges { node { id goals { id } } } } } } }`;
      const page = (await graphqlOk(query, { id: subject.patientId }, reader))._entities[0].carePlans;
      const goalCount = subjectPlans.reduce((n, p) => n + (p.goal?.length ?? 0), 0);
      expect(page.edges.flatMap((e: any) => e.node.goals)).toHaveLength(goalCount);
      expect(await chart.auditRows({ patientId: subject.patientId, actorId: reader.userId })).toEqual([
        { action: 'read', outcome: 'success', record_types: ['CarePlan', 'Goal'], purpose: 'treatment', detail: { records: subjectPlans.length + goalCount } },
      ]);
    });

    it("leaves out goals the caller may not see (another patient's goal named by the plan)", async () => {
      const plan = subjectPlans.find((p) => p.goal?.length)!;
      const planId = resourceId('CarePlan', plan.id!);
      const other = fixtureCharts().find((c) => c.patientId !== subject.patientId && c.of('Goal').length > 0 && !c.organizationIds.includes(subject.organizationIds[0]))!;
      const foreignGoal = resourceId('Goal', other.of<FhirGoal>('Goal')[0].id!);
      // the access check, not the data, must keep it out: name the other patient's goal in the plan
      await withSql(chart.db.url, (sql) => sql('update clinical.care_plan set goal_ids = goal_ids || $2::uuid where id = $1', [planId, foreignGoal]));
      try {
        const reader = staff('physician', subject.organizationIds[0]);
        const { carePlan } = await graphqlOk(BY_ID, { id: planId }, reader);
        expect(carePlan.goals.map((g: any) => g.id)).toEqual(plan.goal!.map((ref) => refId(ref.reference)));
        expect(await chart.auditRows({ patientId: other.patientId, actorId: reader.userId })).toEqual([expect.objectContaining({ outcome: 'denied', record_types: ['Goal'] })]);
        // the other patient's own physician does see it there
        const theirs = staff('physician', other.organizationIds[0]);
        const asTheirs = await graphqlOk(`query ($id: ID!) { goal(id: $id) { id } }`, { id: foreignGoal }, theirs);
        expect(asTheirs.goal).toEqual({ id: foreignGoal });
      } finally {
        await withSql(chart.db.url, (sql) => sql('update clinical.care_plan set goal_ids = array_remove(goal_ids, $2::uuid) where id = $1', [planId, foreignGoal]));
      }
    });

    it('answers carePlan(id) and _entities for a visible plan, null for unknown ids', async () => {
      const expected = expectedNode(subjectPlans[0], subject);
      expect((await graphqlOk(BY_ID, { id: expected.id }, physician)).carePlan).toMatchObject(expected);
      expect((await graphqlOk(BY_ID, { id: randomUUID() }, physician)).carePlan).toBeNull();
      expect(await chart.references('CarePlan', [expected.id, randomUUID(), 'x'], 'id title')).toEqual([{ id: expected.id, title: expected.title }, null, null]);
    });

    it('lets the patient read their own plans; a hidden patient answers like an unknown one', async () => {
      expect((await plansOf(subject.patientId, { first: 1 }, patientUser(subject.patientId))).totalCount).toBe(subjectPlans.length);
      const outsider = staff('physician', await insertOrganization(chart.db.url));
      expect(await plansOf(subject.patientId, {}, outsider)).toBeNull();
      expect(await plansOf(randomUUID(), {}, outsider)).toBeNull();
      expect((await graphqlOk(BY_ID, { id: resourceId('CarePlan', subjectPlans[0].id!) }, outsider)).carePlan).toBeNull();
      expect((await graphqlOk(BY_ID, { id: resourceId('CarePlan', subjectPlans[0].id!) }, staff('billing', subject.organizationIds[0]))).carePlan).toBeNull();
      expectOnlyDenied(await chart.auditRows({ patientId: subject.patientId, actorId: outsider.userId }), 'CarePlan');
    });

    it('refuses a reversed window (BAD_USER_INPUT on to)', async () => {
      const response = await graphql(plans.query, { id: subject.patientId, from: '2020-01-01T00:00:00Z', to: '2019-01-01T00:00:00Z' }, physician);
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    });
  });
});
