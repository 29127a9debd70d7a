import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  accessDecisionsUrl, ASSERTION_HEADER, createLogger, createRequestContext, remoteAccessPolicy, type Principal, type RunningSubgraph,
} from '@caregraph/platform';
import { createImporter, type ImportSummary } from '@caregraph/tools';
import type { Bundle, DiagnosticReport as FhirDiagnosticReport, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { assertionHeaders, graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { countStatements } from '../../../../../test/support/statements';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { clinicalSubgraph } from '../../subgraph';
import { DiagnosticReport } from './diagnostic-report.entity';
import { reportsByEncounter } from './diagnostic-report.loaders';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json')).sort();
const BUNDLES = FILES.map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
/** The patient of most tests: 40 reports (lab panels) from 3 organizations. */
const MAIN = FILES.findIndex((file) => file.startsWith('Coleman_Ortiz'));

const resourcesOf = <T>(bundle: Bundle, type: string): T[] => (bundle.entry ?? []).map((entry) => entry.resource!).filter((r) => r.resourceType === type) as T[];
const refId = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();

const ALL_REPORTS = BUNDLES.flatMap((bundle) => resourcesOf<FhirDiagnosticReport>(bundle, 'DiagnosticReport'));
const mainReports = resourcesOf<FhirDiagnosticReport>(BUNDLES[MAIN], 'DiagnosticReport');
const mainEncounters = resourcesOf<FhirEncounter>(BUNDLES[MAIN], 'Encounter');
const mainPatientId = resourcesOf<{ id: string }>(BUNDLES[MAIN], 'Patient')[0].id.toLowerCase();
const organizationOf = (report: FhirDiagnosticReport) =>
  refId(mainEncounters.find((encounter) => encounter.id!.toLowerCase() === refId(report.encounter!.reference))!.serviceProvider!.reference);
const newestFirst = (a: FhirDiagnosticReport, b: FhirDiagnosticReport) => b.effectiveDateTime!.localeCompare(a.effectiveDateTime!) || a.id!.localeCompare(b.id!);
const idOf = (resource: { id?: string }) => resource.id!.toLowerCase();

describe('clinical subgraph: diagnostic reports', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let summary: ImportSummary;
  let physician: UserPrincipal;
  let organizationId: string;
  const importBundle = async (bundle: Bundle) => {
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    try {
      return await importer.importBundle(bundle, 'changed.json');
    } finally {
      await importer.close();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('diagnostic_reports');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    service = await startTestSubgraph(clinicalSubgraph, db.url);
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    try {
      summary = await importer.importAll(FILES.map((file) => ({ file: path.join(FIXTURES, file) })));
    } finally {
      await importer.close();
    }
    organizationId = refId(mainEncounters[0].serviceProvider!.reference);
    physician = staff('physician', organizationId);
  }, 240_000);
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const graphql = (query: string, variables: Record<string, unknown> = {}, principal: Principal = physician) => call(service.url, query, variables, { principal });
  const graphqlOk = (query: string, variables: Record<string, unknown> = {}, principal: Principal = physician) => callOk(service.url, query, variables, { principal });

  const LIST = `query ($id: ID!, $first: Int, $after: String, $status: DiagnosticReportStatus, $category: String, $code: String, $from: DateTimeISO, $to: DateTimeISO, $organizationId: ID) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { diagnosticReports(first: $first, after: $after, status: $status, category: $category, code: $code, from: $from, to: $to, organizationId: $organizationId) {
        totalCount edges { node { id effectiveAt } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const reportsOf = async (id: string, args: Record<string, unknown> = {}, principal: Principal = physician) =>
    (await graphqlOk(LIST, { id, first: 100, ...args }, principal))._entities[0].diagnosticReports;
  const allPages = async (id: string, args: Record<string, unknown> = {}) => {
    const nodes: { id: string; effectiveAt: string }[] = [];
    let after: string | null = null;
    do {
      const page: any = await reportsOf(id, { ...args, first: 7, after });
      nodes.push(...page.edges.map((edge: any) => edge.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return nodes;
  };

  describe('FHIR import', () => {
    it('imports every DiagnosticReport of the 17 fixtures, once', async () => {
      expect(ALL_REPORTS.length).toBe(215);
      expect(summary.types.DiagnosticReport).toMatchObject({ inBundles: ALL_REPORTS.length, created: ALL_REPORTS.length, updated: 0, unhandled: 0 });
      expect(await service.orm.em.fork().count(DiagnosticReport, {})).toBe(ALL_REPORTS.length);
    });

    it('keeps status, categories, codes, times, results and provenance exactly as the fixtures have them', async () => {
      const rows = new Map((await service.orm.em.fork().find(DiagnosticReport, {})).map((row) => [row.id, row]));
      for (const bundle of BUNDLES) {
        const encounters = new Map(resourcesOf<FhirEncounter>(bundle, 'Encounter').map((encounter) => [idOf(encounter), encounter]));
        for (const source of resourcesOf<FhirDiagnosticReport>(bundle, 'DiagnosticReport')) {
          const row = rows.get(idOf(source))!;
          const category = source.category![0].coding![0];
          const code = source.code.coding![0];
          const encounterId = refId(source.encounter!.reference);
          expect(row).toMatchObject({
            patientId: refId(source.subject!.reference),
            encounterId,
            organizationId: refId(encounters.get(encounterId)!.serviceProvider!.reference),
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
      }
    });

    it('updates in place on a re-sent bundle, and keeps a plain-text presentedForm and conclusion', async () => {
      const bundle = structuredClone(BUNDLES[MAIN]);
      const changed = bundle.entry!.find((entry) => entry.resource!.resourceType === 'DiagnosticReport')!.resource as FhirDiagnosticReport;
      changed.conclusion = '  Within normal limits.  ';
      changed.conclusionCode = [{ coding: [{ system: 'http://snomed.info/sct', code: '17621005', display: 'Normal' }] }];
      changed.presentedForm = [
        { contentType: 'application/pdf', data: Buffer.from('%PDF-1.4').toString('base64') },
        { contentType: 'text/plain; charset=utf-8', data: Buffer.from('CBC: all values within reference range.\n').toString('base64') },
      ];
      const again = await importBundle(bundle);
      expect(again.types.DiagnosticReport).toMatchObject({ created: 0, updated: mainReports.length });
      const { diagnosticReport } = await graphqlOk(`query ($id: ID!) { diagnosticReport(id: $id) { conclusion conclusionCodes { system code display } presentedFormText } }`, { id: changed.id });
      expect(diagnosticReport).toEqual({
        conclusion: 'Within normal limits.',
        conclusionCodes: [{ system: 'http://snomed.info/sct', code: '17621005', display: 'Normal' }],
        presentedFormText: 'CBC: all values within reference range.',
      });
      expect(await service.orm.em.fork().count(DiagnosticReport, {})).toBe(ALL_REPORTS.length);
    });

    it('refuses a bundle with a DiagnosticReport of an unknown status, naming the field, and imports nothing of it', async () => {
      const bundle = structuredClone(BUNDLES[MAIN]);
      const broken = bundle.entry!.find((entry) => entry.resource!.resourceType === 'DiagnosticReport')!.resource as FhirDiagnosticReport;
      broken.id = randomUUID();
      (broken as { status: string }).status = 'done';
      await expect(importBundle(bundle)).rejects.toThrow(/DiagnosticReport\.status/);
      expect(await service.orm.em.fork().count(DiagnosticReport, { id: broken.id })).toBe(0);
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
      expect(await count({ organizationId })).toBe(mainReports.filter((r) => organizationOf(r) === organizationId).length);
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
      const { result, statements } = await countStatements([service.orm], () => graphqlOk(QUERY, { id: mainPatientId }));
      const edges = result._entities[0].diagnosticReports.edges;
      const byId = new Map(mainReports.map((report) => [idOf(report), report]));
      expect(edges).toHaveLength(mainReports.length);
      for (const { node } of edges) expect(node.results.map((o: any) => o.id)).toEqual(byId.get(node.id)!.result!.map((r) => refId(r.reference)));
      expect(edges.flatMap((edge: any) => edge.node.results).length).toBeGreaterThan(100);
      expect(statements.filter((sql) => /from "clinical"\."observation"/.test(sql))).toHaveLength(1);
    });

    it("leaves out results the caller may not see (here: another patient's observation) and ones not in caregraph", async () => {
      const report = mainReports[0];
      const hidden = await insertPatient(db.url, [await insertOrganization(db.url)]);
      const strangerObservation = randomUUID();
      await withSql(db.url, async (sql) => {
        await sql(`insert into clinical.observation (id, patient_id, organization_id, status, code, code_value, effective_at)
                   values ($1, $2, $3, 'final', '{"system":"http://loinc.org","code":"29463-7"}', '29463-7', now())`, [strangerObservation, hidden, randomUUID()]);
        await sql(`update clinical.diagnostic_report set result_ids = result_ids || $2::uuid[] where id = $1`, [idOf(report), [strangerObservation, randomUUID()]]);
      });
      try {
        const { diagnosticReport } = await graphqlOk(`query ($id: ID!) { diagnosticReport(id: $id) { results { id } } }`, { id: report.id });
        expect(diagnosticReport.results.map((o: any) => o.id)).toEqual(report.result!.map((r) => refId(r.reference)));
      } finally {
        await withSql(db.url, (sql) => sql(`update clinical.diagnostic_report set result_ids = $2 where id = $1`, [idOf(report), report.result!.map((r) => refId(r.reference))]));
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
        organization: { id: organizationOf(report) },
        encounter: { id: refId(report.encounter!.reference) },
      });
      expect(data._entities).toEqual([{ id: idOf(report) }, null, null]);
    });
  });

  describe('access', () => {
    const QUERY = `query ($patient: ID!, $id: ID!) {
      byId: diagnosticReport(id: $id) { id }
      refs: _entities(representations: [{ __typename: "DiagnosticReport", id: $id }, { __typename: "Patient", id: $patient }]) {
        ... on DiagnosticReport { id } ... on Patient { diagnosticReports(first: 1) { totalCount } } }
    }`;
    const seenBy = async (principal: Principal) => {
      const data = await graphqlOk(QUERY, { patient: mainPatientId, id: mainReports[0].id }, principal);
      return { byId: data.byId, entity: data.refs[0], list: data.refs[1].diagnosticReports };
    };

    it('hides reports from those who may not see the chart, exactly like unknown ones', async () => {
      const id = idOf(mainReports[0]);
      const visible = { byId: { id }, entity: { id }, list: { totalCount: mainReports.length } };
      expect(await seenBy(physician)).toEqual(visible);
      expect(await seenBy(patientUser(mainPatientId))).toEqual(visible);
      for (const principal of [staff('physician', await insertOrganization(db.url)), staff('billing', organizationId), patientUser(randomUUID())]) {
        expect(await seenBy(principal)).toEqual({ byId: null, entity: null, list: null });
      }
      const unknown = await graphqlOk(`query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { diagnosticReports { totalCount } } } }`, { id: randomUUID() });
      expect(unknown._entities).toEqual([{ diagnosticReports: null }]);
    });

    it("audits a refused read of an existing report as 'denied'", async () => {
      const outsider = staff('physician', await insertOrganization(db.url));
      expect((await graphqlOk(`query ($id: ID!) { diagnosticReport(id: $id) { id } }`, { id: mainReports[0].id }, outsider)).diagnosticReport).toBeNull();
      const rows = await withSql(db.url, (sql) => sql(`select outcome, record_types from audit.event where patient_id = $1 and actor_id = $2`, [mainPatientId, outsider.userId]));
      expect(rows).toEqual([{ outcome: 'denied', record_types: ['DiagnosticReport'] }]);
    });

    it('has no mutation to write reports (they are imported only)', async () => {
      const response = await graphql(`mutation { recordDiagnosticReport(input: {}) { id } }`);
      expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });

  describe('reportsByEncounter (for Encounter fields)', () => {
    const contextFor = async (principal: UserPrincipal) => {
      const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
      return createRequestContext({
        service: 'clinical', em: service.orm.em.fork(), principal, log: createLogger('test', 'silent'), requestId: randomUUID(),
        policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId: 'test' }),
      });
    };

    it("loads several encounters' reports in one query, and none of a hidden patient", async () => {
      const withReports = mainEncounters.filter((encounter) => mainReports.some((r) => refId(r.encounter!.reference) === idOf(encounter))).slice(0, 3);
      const expectedOf = (encounter: FhirEncounter) => mainReports.filter((r) => refId(r.encounter!.reference) === idOf(encounter)).sort(newestFirst).map(idOf);
      const ctx = await contextFor(physician);
      const { result, statements } = await countStatements([service.orm], () =>
        reportsByEncounter(ctx).loadMany([...withReports.map((encounter) => encounter.id!), randomUUID()]));
      expect((result as DiagnosticReport[][]).map((list) => list.map((report) => report.id))).toEqual([...withReports.map(expectedOf), []]);
      expect(withReports.map(expectedOf).flat().length).toBeGreaterThan(3);
      expect(statements.filter((sql) => /"diagnostic_report"/.test(sql))).toHaveLength(1);

      const stranger = await contextFor(staff('nurse', await insertOrganization(db.url)));
      expect(await reportsByEncounter(stranger).load(withReports[0].id!)).toEqual([]);
    });
  });
});
