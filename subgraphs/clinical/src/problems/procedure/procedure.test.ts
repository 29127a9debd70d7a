import { randomUUID } from 'node:crypto';
import { resourceId } from '@caregraph/platform';
import type { Condition as FhirCondition, Practitioner, Procedure as FhirProcedure } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { patientUser, staff, insertOrganization } from '../../../../../test/support/principals';
import {
  chartOfPatient, FIXTURE_FILES, isoDateTime, patientWithMost, providerOf, refId, resourcesOf, withResources,
} from '../../../../../test/support/synthea';
import { Procedure } from './procedure.entity';
import { procedureData } from './procedure.fhir';
import { proceduresByEncounter } from './procedure.service';

const fixtureProcedures = resourcesOf<FhirProcedure>('Procedure');
const fixtureConditions = new Map(resourcesOf<FhirCondition>('Condition').map((c) => [c.id!.toLowerCase(), c]));
const proceduresOf = (patientId: string) => fixtureProcedures.filter((p) => refId(p.subject.reference) === patientId);
/** The reasons we expect: the code of each Condition that reasonReference names (Synthea has no reasonCode). */
const reasonsOf = (p: FhirProcedure) => (p.reasonReference ?? []).map((r) => fixtureConditions.get(refId(r.reference))!.code!.coding![0])
  .map((c) => ({ system: c.system, code: c.code, display: c.display }));
// the fixture patient with the most procedures
const patientId = patientWithMost('Procedure');
const theirs = proceduresOf(patientId);
const theirChart = chartOfPatient(patientId);
// of an organization the imported patient was seen at
const physician = staff('physician', providerOf(theirs[0]));

const PROCEDURE_FIELDS = `id code { system code display } status performedStart performedEnd reasons { system code display } performers { id }
  patient { id } organization { id } encounter { id }`;

describe('clinical subgraph: procedures', () => {
  const chart = useChartServices('procedures', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const procedures = chart.patientList('procedures', 'id performedStart status', { status: 'ProcedureStatus' }, { first: 100 });
  const proceduresPage = procedures.page;

  describe('FHIR import', () => {
    it('creates one row per fixture Procedure across all 17 bundles', async () => {
      expect(FIXTURE_FILES).toHaveLength(17);
      expect(fixtureProcedures.length).toBeGreaterThan(500);
      await chart.expectEveryFixtureImported('Procedure', Procedure);
    });

    it("keeps code, status, performed period and reasons (the reason conditions' codes) exactly as the bundle has them", async () => {
      const rows = new Map((await chart.em().find(Procedure, {})).map((row) => [row.id, row]));
      expect(fixtureProcedures.filter((p) => p.reasonReference?.length).length).toBeGreaterThan(100);
      for (const source of fixtureProcedures) {
        const coding = source.code!.coding![0];
        expect(rows.get(resourceId('Procedure', source.id!))).toMatchObject({
          patientId: refId(source.subject.reference),
          encounterId: refId(source.encounter!.reference),
          organizationId: providerOf(source),
          code: { system: coding.system, code: coding.code, display: coding.display },
          codeValue: coding.code,
          status: source.status,
          performedStart: new Date(source.performedPeriod!.start!),
          performedEnd: new Date(source.performedPeriod!.end!),
          reasons: reasonsOf(source),
          performerPractitionerIds: [],
        });
      }
    });

    it('takes performedDateTime, reason codes and practitioner performers (not other actors) when the source has them', () => {
      const [practitioner] = theirChart.of<Practitioner>('Practitioner');
      const data = procedureData({
        ...theirs[0],
        performedPeriod: undefined,
        performedDateTime: '2018-07-04T12:00:00-04:00',
        reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '195662009', display: 'Acute viral pharyngitis' }] }],
        reasonReference: [{ reference: `Observation/${randomUUID()}` }],
        performer: [
          { actor: { reference: `Practitioner/${practitioner.id}` } },
          { actor: { reference: `PractitionerRole/${randomUUID()}` } },
          { actor: { reference: `Practitioner/${practitioner.id}` } },
        ],
      }, bundleViewOf(theirChart.bundle.entry!.map((entry) => entry.resource!)));
      expect(data).toMatchObject({
        performedStart: new Date('2018-07-04T16:00:00Z'),
        performedEnd: null,
        reasons: [{ system: 'http://snomed.info/sct', code: '195662009', display: 'Acute viral pharyngitis' }],
        performerPractitionerIds: [practitioner.id!.toLowerCase()],
      });
    });

    const broken: [string, Partial<FhirProcedure>, string][] = [
      ['no code', { code: undefined }, 'Procedure.code'],
      ['an unknown status', { status: 'done' as never }, 'Procedure.status'],
      ['no performed time', { performedPeriod: undefined }, 'Procedure.performedDateTime'],
      ['an end before the start', { performedPeriod: { start: '2019-01-02T00:00:00Z', end: '2019-01-01T00:00:00Z' } }, 'Procedure.performedPeriod.end'],
    ];
    it.each(broken)('refuses a bundle with %s, naming the field, and imports nothing of it', async (_label, change, field) => {
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[0], id: randomUUID(), ...change };
      await chart.expectImportRefused(withResources(theirChart.bundle, fresh, bad), field);
      expect(await chart.em().count(Procedure, {})).toBe(fixtureProcedures.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's procedures most recent first, and pages through them without repeats", async () => {
      expect(theirs.length).toBeGreaterThan(20);
      const { nodes: seen, pages } = await procedures.all(patientId, { first: 7 });
      for (const page of pages) expect(page.totalCount).toBe(theirs.length);
      expect(pages).toHaveLength(Math.ceil(theirs.length / 7));
      expect(seen).toHaveLength(theirs.length);
      expect(new Set(seen.map((p) => p.id))).toEqual(new Set(theirs.map((p) => p.id!.toLowerCase())));
      expect(seen.map((p) => p.performedStart)).toEqual(theirs.map((p) => isoDateTime(p.performedPeriod!.start)).sort().reverse());
    });

    it('filters by status, code, organization and a [from, to) window on the start', async () => {
      const ids = async (args: Record<string, unknown>) => (await proceduresPage(patientId, args)).edges.map((e: any) => e.node.id).sort();
      const idsOf = (list: FhirProcedure[]) => list.map((p) => p.id!.toLowerCase()).sort();
      expect((await proceduresPage(patientId, { status: 'COMPLETED' })).totalCount).toBe(theirs.length);
      expect((await proceduresPage(patientId, { status: 'IN_PROGRESS' })).totalCount).toBe(0);
      const code = theirs[0].code!.coding![0].code!;
      const same = theirs.filter((p) => p.code!.coding![0].code === code);
      expect(same.length).toBeLessThan(theirs.length);
      expect(await ids({ code })).toEqual(idsOf(same));
      const organizationId = providerOf(theirs[0]);
      expect((await proceduresPage(patientId, { organizationId })).totalCount).toBe(theirs.filter((p) => providerOf(p) === organizationId).length);
      const starts = theirs.map((p) => p.performedPeriod!.start!).sort();
      const [from, to] = [starts[3], starts[Math.min(starts.length - 1, 40)]];
      const window = theirs.filter((p) => new Date(p.performedPeriod!.start!) >= new Date(from) && new Date(p.performedPeriod!.start!) < new Date(to));
      expect(window.length).toBeLessThanOrEqual(100);
      expect(await ids({ from, to })).toEqual(idsOf(window));
    });

    it('serves one procedure by id and as a federated reference, with its reasons', async () => {
      const source = theirs.find((p) => p.reasonReference?.length) ?? theirs[0];
      const id = source.id!.toLowerCase();
      const { procedure } = await graphqlOk(`query ($id: ID!) { procedure(id: $id) { ${PROCEDURE_FIELDS} } }`, { id });
      expect(procedure).toEqual({
        id,
        code: source.code!.coding![0],
        status: 'COMPLETED',
        performedStart: isoDateTime(source.performedPeriod!.start),
        performedEnd: isoDateTime(source.performedPeriod!.end),
        reasons: reasonsOf(source),
        performers: [],
        patient: { id: patientId },
        organization: { id: providerOf(source) },
        encounter: { id: refId(source.encounter!.reference) },
      });
      expect(await chart.references('Procedure', [id, randomUUID()], 'id')).toEqual([{ id }, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const procedure: ChartRecordRef = { typename: 'Procedure', id: theirs[0].id!, patientId, byId: 'procedure', list: 'procedures' };
      for (const principal of await chart.strangers(physician.organizationId!)) {
        expect(await chart.seenBy(principal, procedure)).toEqual({ byId: null, entity: null, list: null });
      }
      expect((await proceduresPage(patientId, {}, patientUser(patientId))).totalCount).toBe(theirs.length);
      expect(await proceduresPage(randomUUID())).toBeNull();
    });

    it("audits a refused read of an existing procedure as 'denied'", async () => {
      const outsider = staff('physician', await insertOrganization(chart.db.url));
      expect((await graphqlOk(`query ($id: ID!) { procedure(id: $id) { id } }`, { id: theirs[0].id }, outsider)).procedure).toBeNull();
      // one row, about this patient
      expect(await chart.auditRows({ actorId: outsider.userId })).toEqual([expect.objectContaining({ outcome: 'denied', record_types: ['Procedure'] })]);
      expect(await chart.auditRows({ actorId: outsider.userId, patientId })).toHaveLength(1);
    });

    it('offers no way to write procedures (import only)', async () => {
      const response = await graphql(`mutation { recordProcedure(input: {}) { id } }`);
      expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it("batches each encounter's procedures (DataLoader), most recent first, leaving out those of patients the caller may not see", async () => {
      const byEncounter = new Map<string, FhirProcedure[]>();
      for (const p of theirs) byEncounter.set(refId(p.encounter!.reference), [...(byEncounter.get(refId(p.encounter!.reference)) ?? []), p]);
      const [busiest] = [...byEncounter.keys()].sort((a, b) => byEncounter.get(b)!.length - byEncounter.get(a)!.length);
      expect(byEncounter.get(busiest)!.length).toBeGreaterThan(1);
      const found = await proceduresByEncounter(await chart.contextFor(physician)).load(busiest);
      expect(found.map((p) => p.id).sort()).toEqual(byEncounter.get(busiest)!.map((p) => p.id!.toLowerCase()).sort());
      const starts = found.map((p) => p.performedStart.toISOString());
      expect(starts).toEqual([...starts].sort().reverse());
      expect(await proceduresByEncounter(await chart.contextFor(staff('nurse', await insertOrganization(chart.db.url)))).load(busiest)).toEqual([]);
    });
  });
});
