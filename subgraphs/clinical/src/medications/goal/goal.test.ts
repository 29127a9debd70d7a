import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, parseReference, resourceId, type FhirResource, type Principal, type RunningSubgraph } from '@caregraph/platform';
import { BundleError, createImporter, type ImportSummary } from '@caregraph/tools';
import type { Bundle, CarePlan as FhirCarePlan, Encounter as FhirEncounter, Goal as FhirGoal } from '@medplum/fhirtypes';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertOrganization, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { graphqlOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { clinicalSubgraph } from '../../subgraph';
import { goalTargets } from './goal-target';

jest.setTimeout(180_000);


const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FIXTURE_FILES = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort().map((name) => path.join(FIXTURES, name));
const logger = createLogger('goal-test', 'silent');

/** One fixture bundle: its patient (our id), its resources, the organizations that provided its encounters. */
const charts = FIXTURE_FILES.map((file) => {
  const resources = (JSON.parse(readFileSync(file, 'utf8')) as Bundle).entry!.map((entry) => entry.resource as FhirResource);
  const of = <T extends FhirResource>(type: T['resourceType']) => resources.filter((r): r is T => r.resourceType === type);
  return {
    patientId: resourceId('Patient', of('Patient')[0].id!),
    resources,
    of,
    organizationIds: [...new Set(of<FhirEncounter>('Encounter').map((e) => parseReference(e.serviceProvider!.reference)!.id))],
  };
});
type FixtureChart = (typeof charts)[number];
const idOf = (reference: string | undefined): string => parseReference(reference)!.id;
const enumName = (code: string) => code.toUpperCase().replace(/-/g, '_');

async function allPages(fetchPage: (after: string | null) => Promise<any>): Promise<{ nodes: any[]; pages: number }> {
  const nodes: any[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await fetchPage(after);
    nodes.push(...page.edges.map((edge: any) => edge.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    pages += 1;
  } while (after && pages < 1000);
  return { nodes, pages };
}

const FIELDS = `id lifecycleStatus achievementStatus { system code display } description descriptionCode { system code display }
  startAt startSource addressedRecordIds targets { measure { system code display } detail due }
  encounter { id } organization { id } patient { id }`;
const PATIENT_GOALS = `query ($id: ID!, $first: Int, $after: String, $lifecycleStatus: GoalLifecycleStatus, $code: String, $organizationId: ID, $from: DateTimeISO, $to: DateTimeISO) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) {
    ... on Patient { goals(first: $first, after: $after, lifecycleStatus: $lifecycleStatus, code: $code, organizationId: $organizationId, from: $from, to: $to) {
      totalCount edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } }
  }
}`;
const BY_ID = `query ($id: ID!) { goal(id: $id) { ${FIELDS} } }`;

/**
 * What the API must return for a fixture Goal. Synthea goals have no date, no encounter and no
 * target: they start with the care plan naming them, and come from the organization of the
 * bundle's latest encounter.
 */
function expectedNode(goal: FhirGoal, chart: FixtureChart) {
  const id = resourceId('Goal', goal.id!);
  const plans = chart.of<FhirCarePlan>('CarePlan').filter((p) => (p.goal ?? []).some((g) => idOf(g.reference) === id));
  const start = plans.map((p) => new Date(p.period!.start!).toISOString()).sort()[0];
  const latest = [...chart.of<FhirEncounter>('Encounter')].sort((a, b) => b.period!.start!.localeCompare(a.period!.start!))[0];
  const achievement = goal.achievementStatus!.coding![0];
  return {
    id,
    lifecycleStatus: enumName(goal.lifecycleStatus),
    achievementStatus: { system: achievement.system, code: achievement.code, display: null },
    description: goal.description.text,
    descriptionCode: null,
    startAt: start,
    startSource: 'CARE_PLAN',
    addressedRecordIds: [],
    targets: [],
    encounter: null,
    organization: { id: idOf(latest.serviceProvider!.reference) },
    patient: { id: chart.patientId },
  };
}

const newestFirst = (a: { startAt: string; id: string }, b: { startAt: string; id: string }) => b.startAt.localeCompare(a.startAt) || a.id.localeCompare(b.id);

describe('clinical subgraph: goals', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let clinical: RunningSubgraph;
  let imported: ImportSummary;
  const callOk = (query: string, variables: Record<string, unknown>, principal: Principal) => graphqlOk(clinical.url, query, variables, { principal });
  async function importBundles<T>(work: (importer: Awaited<ReturnType<typeof createImporter>>) => Promise<T>): Promise<T> {
    const importer = await createImporter({ databaseUrl: db.url, logger });
    try {
      return await work(importer);
    } finally {
      await importer.close();
    }
  }

  // the fixture patient with the most goals, read by a physician of one of their providers
  const subject = [...charts].sort((a, b) => b.of('Goal').length - a.of('Goal').length)[0];
  const subjectGoals = subject.of<FhirGoal>('Goal');
  const physician = staff('physician', subject.organizationIds[0]);
  const goalsOf = async (id: string, args: Record<string, unknown> = {}, as: Principal = physician) =>
    (await callOk(PATIENT_GOALS, { id, ...args }, as))._entities[0].goals;
  const auditRows = (patientId: string, userId: string) =>
    withSql(db.url, (sql) => sql(`select action, outcome, record_types, purpose, detail from audit.event where patient_id = $1 and actor_id = $2 order by id`, [patientId, userId]));

  beforeAll(async () => {
    db = await createTestDatabase('goals');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    clinical = await startTestSubgraph(clinicalSubgraph, db.url);
    imported = await importBundles((importer) => importer.importAll(FIXTURE_FILES.map((file) => ({ file }))));
  });
  afterAll(async () => {
    await clinical?.close();
    await patients?.close();
    await db?.drop();
  });

  describe('FHIR import', () => {
    it('imports every Goal of the 17 fixtures once', async () => {
      const all = charts.flatMap((c) => c.of<FhirGoal>('Goal'));
      const ids = new Set(all.map((r) => resourceId('Goal', r.id!)));
      expect(all.length).toBe(42);
      expect(imported.types.Goal).toEqual({ inBundles: all.length, created: ids.size, updated: all.length - ids.size, unhandled: 0 });
      const rows = await withSql(db.url, (sql) => sql('select id from clinical.goal order by id'));
      expect(rows.map((r) => r.id)).toEqual([...ids].sort());
    });

    it("stores every goal as the fixtures have it, starting with its care plan, from the bundle's latest encounter's organization", async () => {
      const rows = new Map((await withSql(db.url, (sql) => sql('select * from clinical.goal'))).map((row) => [row.id, row]));
      let checked = 0;
      for (const chart of charts) {
        for (const goal of chart.of<FhirGoal>('Goal')) {
          const expected = expectedNode(goal, chart);
          const row = rows.get(expected.id);
          expect({
            lifecycle: row.lifecycle_status, achievement: row.achievement_status, description: row.description, code: row.description_code, code_value: row.code_value,
            target: row.target, start: row.start_at.toISOString(), source: row.start_source, addressed: row.addressed_record_ids,
            patient: row.patient_id, encounter: row.encounter_id, organization: row.organization_id,
          }).toEqual({
            lifecycle: goal.lifecycleStatus, achievement: expected.achievementStatus, description: expected.description, code: null, code_value: null,
            target: null, start: expected.startAt, source: 'care-plan', addressed: [],
            patient: chart.patientId, encounter: null, organization: expected.organization.id,
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
      await importBundles((importer) => importer.importBundle(bundle, 'goals.json'));
      const after = Date.now();
      const reader = patientUser(ids.patient);
      const { goal: dated } = await callOk(BY_ID, { id: ids.dated }, reader);
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
      const { goal: undated } = await callOk(BY_ID, { id: ids.undated }, reader);
      expect(undated).toMatchObject({ description: 'Walk daily', startSource: 'IMPORT', targets: [] });
      expect(new Date(undated.startAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(new Date(undated.startAt).getTime()).toBeLessThanOrEqual(after + 1000);
      // the code filter finds the coded goal
      const coded = await goalsOf(ids.patient, { code: '281004' }, reader);
      expect(coded.edges.map((e: any) => e.node.id)).toEqual([ids.dated]);

      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = await importBundles((importer) => importer.importBundle(bundle, 'goals.json'));
      expect(again.types.Goal).toMatchObject({ created: 0, updated: 2 });
      expect((await callOk(BY_ID, { id: ids.undated }, reader)).goal.startAt).toBe(undated.startAt);
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
      const source = charts.find((c) => c.of('Goal').length > 0)!;
      const before = await withSql(db.url, (sql) => sql('select id, lifecycle_status, start_at, updated_at from clinical.goal order by id'));
      const bundle = JSON.parse(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: source.resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })) }));
      spoil(bundle.entry.find((e: any) => e.resource.resourceType === 'Goal').resource);
      const error = await importBundles((importer) => importer.importBundle(bundle, 'bad-goal.json')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(BundleError);
      expect((error as Error).message).toContain(field);
      expect(await withSql(db.url, (sql) => sql('select id, lifecycle_status, start_at, updated_at from clinical.goal order by id'))).toEqual(before);
    });
  });

  describe('reads', () => {
    it("lists the patient's goals newest start first, page by page without repeats, each as in the fixture", async () => {
      expect(subjectGoals.length).toBeGreaterThan(3);
      const { nodes, pages } = await allPages((after) => goalsOf(subject.patientId, { first: 3, after }));
      expect(pages).toBe(Math.ceil(subjectGoals.length / 3));
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
      expect((await callOk(BY_ID, { id: expected.id }, physician)).goal).toEqual(expected);
      expect((await callOk(BY_ID, { id: randomUUID() }, physician)).goal).toBeNull();
      const data = await callOk(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Goal { id description } } }`, {
        reps: [{ __typename: 'Goal', id: expected.id }, { __typename: 'Goal', id: randomUUID() }],
      }, physician);
      expect(data._entities).toEqual([{ id: expected.id, description: expected.description }, null]);
    });

    it('lets the patient read their own goals; a hidden patient answers like an unknown one, the refusal audited', async () => {
      expect((await goalsOf(subject.patientId, { first: 1 }, patientUser(subject.patientId))).totalCount).toBe(subjectGoals.length);
      const outsider = staff('nurse', await insertOrganization(db.url));
      expect(await goalsOf(subject.patientId, {}, outsider)).toBeNull();
      expect(await goalsOf(randomUUID(), {}, outsider)).toBeNull();
      const id = resourceId('Goal', subjectGoals[0].id!);
      expect((await callOk(BY_ID, { id }, outsider)).goal).toBeNull();
      expect((await callOk(BY_ID, { id }, staff('org_admin', subject.organizationIds[0]))).goal).toBeNull();
      const rows = await auditRows(subject.patientId, outsider.userId);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.outcome === 'denied' && row.record_types.includes('Goal'))).toBe(true);
    });
  });
});
