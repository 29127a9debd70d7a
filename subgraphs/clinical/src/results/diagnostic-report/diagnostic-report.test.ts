import { randomUUID } from 'node:crypto';
import type { Principal } from '@caregraph/platform';
import type { DiagnosticReport as FhirDiagnosticReport, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { insertOrganization, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { countStatements } from '../../../../../test/support/statements';
import { fixtureChart, idOf, providerOf, refId, resourcesOf } from '../../../../../test/support/synthea';
import { DiagnosticReport } from './diagnostic-report.entity';
import { reportsByEncounter } from './diagnostic-report.loaders';

/** The patient of most tests: 40 reports (lab panels) from 3 organizations. */
const MAIN = fixtureChart('Coleman_Ortiz');

const ALL_REPORTS = resourcesOf<FhirDiagnosticReport>('DiagnosticReport');
const mainReports = MAIN.of<FhirDiagnosticReport>('DiagnosticReport');
const mainEncounters = MAIN.of<FhirEncounter>('Encounter');
const mainPatientId = MAIN.patientId;
const newestFirst = (a: FhirDiagnosticReport, b: FhirDiagnosticReport) => b.effectiveDateTime!.localeCompare(a.effectiveDateTime!) || a.id!.localeCompare(b.id!);
const organizationId = MAIN.organizationIds[0];
// a physician of one of the organizations the main patient was seen at (registered there by the import)
const physician = staff('physician', organizationId);

describe('clinical subgraph: diagnostic reports', () => {
  const chart = useChartServices('diagnostic_reports', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const reports = chart.patientList('diagnosticReports', 'id effectiveAt', { status: 'DiagnosticReportStatus', category: 'String' }, { first: 100 });
  const reportsOf = reports.page;
  const allPages = async (id: string, args: Record<string, unknown> = {}) => (await reports.all(id, { ...args, first: 7 })).nodes;

  describe('FHIR import', () => {
    it('imports every DiagnosticReport of the 17 fixtures, once', async () => {
      expect(ALL_REPORTS.length).toBe(215);
      await chart.expectEveryFixtureImported('DiagnosticReport', DiagnosticReport);
    });

    it('keeps status, categories, codes, times, results and provenance exactly as the fixtures have them', async () => {
      const rows = new Map((await chart.em().find(DiagnosticReport, {})).map((row) => [row.id, row]));
      for (const source of ALL_REPORTS) {
        const row = rows.get(idOf(source))!;
        const category = source.category![0].coding![0];
        const code = source.code.coding![0];
        const encounterId = refId(source.encounter!.reference);
        expect(row).toMatchObject({
          patientId: refId(source.subject!.reference),
          encounterId,
          organizationId: providerOf(source),
          status: source.status,
          categories: [{ system: category.system, code: category.code, display: category.display }],
          category: category.code,
          code: { system: code.system, code: code.code, display: code.display },
          codeValue: code.code,
          effectiveAt: new Date(source.effectiveDateTime!),
          issuedAt: new Date(source.issued!),
          conclusion: null,
          conclusionCodes: [],
          resultIds: source.result!.map((result) => refId(result.reference)),
          presentedFormText: null,
        });
      }
    });

    it('updates in place on a re-sent bundle, and keeps a plain-text presentedForm and conclusion', async () => {
      const bundle = structuredClone(MAIN.bundle);
      const changed = bundle.entry!.find((entry) => entry.resource!.resourceType === 'DiagnosticReport')!.resource as FhirDiagnosticReport;
      changed.conclusion = '  Within normal limits.  ';
      changed.conclusionCode = [{ coding: [{ system: 'http://snomed.info/sct', code: '17621005', display: 'Normal' }] }];
      changed.presentedForm = [
        { contentType: 'application/pdf', data: Buffer.from('%PDF-1.4').toString('base64') },
        { contentType: 'text/plain; charset=utf-8', data: Buffer.from('CBC: all values within reference range.\n').toString('base64') },
      ];
      const again = await chart.importBundle(bundle);
      expect(again.types.DiagnosticReport).toMatchObject({ created: 0, updated: mainReports.length });
      const { diagnosticReport } = await graphqlOk(`query ($id: ID!) { diagnosticReport(id: $id) { conclusion conclusionCodes { system code display } presentedFormText } }`, { id: changed.id });
      expect(diagnosticReport).toEqual({
        conclusion: 'Within normal limits.',
        conclusionCodes: [{ system: 'http://snomed.info/sct', code: '17621005', display: 'Normal' }],
        presentedFormText: 'CBC: all values within reference range.',
      });
      expect(await chart.em().count(DiagnosticReport, {})).toBe(ALL_REPORTS.length);
    });

    it('refuses a bundle with a DiagnosticReport of an unknown status, naming the field, and imports nothing of it', async () => {
      const bundle = structuredClone(MAIN.bundle);
      const broken = bundle.entry!.find((entry) => entry.resource!.resourceType === 'DiagnosticReport')!.resource as FhirDiagnosticReport;
      broken.id = randomUUID();
      (broken as { status: string }).status = 'done';
      await chart.expectImportRefused(bundle, 'DiagnosticReport.status');
      expect(await chart.em().count(DiagnosticReport, { id: broken.id })).toBe(0);
    });
  });

  describe('reads', () => {
    it("lists the patient's reports newest first, paging without repeats", async () => {
      const nodes = await allPages(mainPatientId);
      expect(nodes.map((node) => node.id)).toEqual([...mainReports].sort(newestFirst).map(idOf));
      expect((await reportsOf(mainPatientId, { first: 1 })).totalCount).toBe(mainReports.length);
    });

    it('filters by status, category, code, organization and a [from, to) window', async () => {
      const count = async (args: Record<string, unknown>) => (await reportsOf(mainPatientId, { ...args, first: 1 })).totalCount;
      expect(await count({ status: 'FINAL' })).toBe(mainReports.length);
      expect(await count({ status: 'PRELIMINARY' })).toBe(0);
      expect(await count({ category: 'LAB' })).toBe(mainReports.length);
      expect(await count({ category: 'RAD' })).toBe(0);
      expect(await count({ code: '51990-0' })).toBe(mainReports.filter((r) => r.code.coding![0].code === '51990-0').length);
      expect(await count({ organizationId })).toBe(mainReports.filter((r) => providerOf(r) === organizationId).length);
      const dates = mainReports.map((r) => new Date(r.effectiveDateTime!).toISOString()).sort();
      const [from, to] = [dates[5], dates[20]];
      const window = await allPages(mainPatientId, { from, to });
      expect(window.map((node) => node.id).sort()).toEqual(mainReports.filter((r) => {
        const at = new Date(r.effectiveDateTime!).toISOString();
        return at >= from && at < to;
      }).map(idOf).sort());
    });

    it("resolves a report's results as its Observations in report order, batched for a whole page in one query", async () => {
      const QUERY = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) {
        ... on Patient { diagnosticReports(first: 100) { edges { node { id results { id code { code } valueQuantity { value unit } } } } } } } }`;
      const { result, statements } = await countStatements([chart.clinical.orm], () => graphqlOk(QUERY, { id: mainPatientId }));
      const edges = result._entities[0].diagnosticReports.edges;
      const byId = new Map(mainReports.map((report) => [idOf(report), report]));
      expect(edges).toHaveLength(mainReports.length);
      for (const { node } of edges) expect(node.results.map((o: any) => o.id)).toEqual(byId.get(node.id)!.result!.map((r) => refId(r.reference)));
      expect(edges.flatMap((edge: any) => edge.node.results).length).toBeGreaterThan(100);
      expect(statements.filter((sql) => /from "clinical"\."observation"/.test(sql))).toHaveLength(1);
    });

    it("leaves out results the caller may not see (here: another patient's observation) and ones not in caregraph", async () => {
      const report = mainReports[0];
      const [hidden] = await chart.hiddenAndUnknownPatients();
      const strangerObservation = randomUUID();
      await withSql(chart.db.url, async (sql) => {
        await sql(`insert into clinical.observation (id, patient_id, organization_id, status, code, code_value, effective_at)
                   values ($1, $2, $3, 'final', '{"system":"http://loinc.org","code":"29463-7"}', '29463-7', now())`, [strangerObservation, hidden, randomUUID()]);
        await sql(`update clinical.diagnostic_report set result_ids = result_ids || $2::uuid[] where id = $1`, [idOf(report), [strangerObservation, randomUUID()]]);
      });
      try {
        const { diagnosticReport } = await graphqlOk(`query ($id: ID!) { diagnosticReport(id: $id) { results { id } } }`, { id: report.id });
        expect(diagnosticReport.results.map((o: any) => o.id)).toEqual(report.result!.map((r) => refId(r.reference)));
      } finally {
        await withSql(chart.db.url, (sql) => sql(`update clinical.diagnostic_report set result_ids = $2 where id = $1`, [idOf(report), report.result!.map((r) => refId(r.reference))]));
      }
    });

    it('serves one report by id and as a reference with its federated fields; unknown ids are null', async () => {
      const report = mainReports[3];
      const data = await graphqlOk(`query ($id: ID!, $reps: [_Any!]!) {
        diagnosticReport(id: $id) { id status category categories { code } code { system code display } effectiveAt issuedAt patient { id } organization { id } encounter { id } }
        _entities(representations: $reps) { ... on DiagnosticReport { id } } }`, {
        id: report.id,
        reps: [{ __typename: 'DiagnosticReport', id: report.id }, { __typename: 'DiagnosticReport', id: randomUUID() }, { __typename: 'DiagnosticReport', id: 'x' }],
      });
      expect(data.diagnosticReport).toEqual({
        id: idOf(report),
        status: 'FINAL',
        category: 'LAB',
        categories: [{ code: 'LAB' }],
        code: { system: 'http://loinc.org', code: report.code.coding![0].code, display: report.code.coding![0].display },
        effectiveAt: new Date(report.effectiveDateTime!).toISOString(),
        issuedAt: new Date(report.issued!).toISOString(),
        patient: { id: mainPatientId },
        organization: { id: providerOf(report) },
        encounter: { id: refId(report.encounter!.reference) },
      });
      expect(data._entities).toEqual([{ id: idOf(report) }, null, null]);
    });
  });

  describe('access', () => {
    const REPORT: ChartRecordRef = { typename: 'DiagnosticReport', id: mainReports[0].id!, patientId: mainPatientId, byId: 'diagnosticReport', list: 'diagnosticReports' };
    const seenBy = (principal: Principal) => chart.seenBy(principal, REPORT);

    it('hides reports from those who may not see the chart, exactly like unknown ones', async () => {
      const id = idOf(mainReports[0]);
      const visible = { byId: { id }, entity: { id }, list: { totalCount: mainReports.length } };
      expect(await seenBy(physician)).toEqual(visible);
      expect(await seenBy(patientUser(mainPatientId))).toEqual(visible);
      for (const principal of await chart.strangers(organizationId)) {
        expect(await seenBy(principal)).toEqual({ byId: null, entity: null, list: null });
      }
      expect(await chart.patientFields(randomUUID(), 'diagnosticReports { totalCount }')).toEqual({ diagnosticReports: null });
    });

    it("audits a refused read of an existing report as 'denied'", async () => {
      const outsider = staff('physician', await insertOrganization(chart.db.url));
      expect((await graphqlOk(`query ($id: ID!) { diagnosticReport(id: $id) { id } }`, { id: mainReports[0].id }, outsider)).diagnosticReport).toBeNull();
      expect(await chart.auditRows({ patientId: mainPatientId, actorId: outsider.userId })).toEqual([expect.objectContaining({ outcome: 'denied', record_types: ['DiagnosticReport'] })]);
    });

    it('has no mutation to write reports (they are imported only)', async () => {
      const response = await graphql(`mutation { recordDiagnosticReport(input: {}) { id } }`);
      expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });

  describe('reportsByEncounter (for Encounter fields)', () => {
    it("loads several encounters' reports in one query, and none of a hidden patient", async () => {
      const withReports = mainEncounters.filter((encounter) => mainReports.some((r) => refId(r.encounter!.reference) === idOf(encounter))).slice(0, 3);
      const expectedOf = (encounter: FhirEncounter) => mainReports.filter((r) => refId(r.encounter!.reference) === idOf(encounter)).sort(newestFirst).map(idOf);
      const ctx = await chart.contextFor(physician);
      const { result, statements } = await countStatements([chart.clinical.orm], () =>
        reportsByEncounter(ctx).loadMany([...withReports.map((encounter) => encounter.id!), randomUUID()]));
      expect((result as DiagnosticReport[][]).map((list) => list.map((report) => report.id))).toEqual([...withReports.map(expectedOf), []]);
      expect(withReports.map(expectedOf).flat().length).toBeGreaterThan(3);
      expect(statements.filter((sql) => /"diagnostic_report"/.test(sql))).toHaveLength(1);

      const stranger = await chart.contextFor(staff('nurse', await insertOrganization(chart.db.url)));
      expect(await reportsByEncounter(stranger).load(withReports[0].id!)).toEqual([]);
    });
  });
});
