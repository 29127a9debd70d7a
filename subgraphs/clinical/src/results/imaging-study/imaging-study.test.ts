import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, type Principal, type RunningSubgraph } from '@caregraph/platform';
import { createImporter, type ImportSummary } from '@caregraph/tools';
import type { Bundle, Encounter as FhirEncounter, ImagingStudy as FhirImagingStudy } from '@medplum/fhirtypes';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertConsent, insertOrganization, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { clinicalSubgraph } from '../../subgraph';
import { ImagingStudy } from './imaging-study.entity';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json')).sort();
const BUNDLES = FILES.map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
/** The patient of most tests: 9 studies (ultrasound, CR and DX) from several encounters. */
const MAIN = FILES.findIndex((file) => file.startsWith('Coleman_Ortiz'));

const resourcesOf = <T>(bundle: Bundle, type: string): T[] => (bundle.entry ?? []).map((entry) => entry.resource!).filter((r) => r.resourceType === type) as T[];
const refId = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();
const idOf = (resource: { id?: string }) => resource.id!.toLowerCase();

const ALL_STUDIES = BUNDLES.flatMap((bundle) => resourcesOf<FhirImagingStudy>(bundle, 'ImagingStudy'));
const mainStudies = resourcesOf<FhirImagingStudy>(BUNDLES[MAIN], 'ImagingStudy');
const mainEncounters = resourcesOf<FhirEncounter>(BUNDLES[MAIN], 'Encounter');
const mainPatientId = resourcesOf<{ id: string }>(BUNDLES[MAIN], 'Patient')[0].id.toLowerCase();
const newestFirst = (a: FhirImagingStudy, b: FhirImagingStudy) => b.started!.localeCompare(a.started!) || a.id!.localeCompare(b.id!);
const codingOf = (coding: { system?: string; code?: string; display?: string } | undefined) =>
  coding ? { system: coding.system ?? null, code: coding.code, display: coding.display ?? null } : null;

describe('clinical subgraph: imaging studies', () => {
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
    db = await createTestDatabase('imaging_studies');
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

  const LIST = `query ($id: ID!, $first: Int, $after: String, $modality: String, $code: String, $from: DateTimeISO, $to: DateTimeISO, $organizationId: ID) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { imagingStudies(first: $first, after: $after, modality: $modality, code: $code, from: $from, to: $to, organizationId: $organizationId) {
        totalCount edges { node { id startedAt } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const studiesOf = async (id: string, args: Record<string, unknown> = {}, principal: Principal = physician) =>
    (await graphqlOk(LIST, { id, first: 100, ...args }, principal))._entities[0].imagingStudies;

  describe('FHIR import', () => {
    it('imports every ImagingStudy of the 17 fixtures, once', async () => {
      expect(ALL_STUDIES.length).toBe(23);
      expect(summary.types.ImagingStudy).toMatchObject({ inBundles: ALL_STUDIES.length, created: ALL_STUDIES.length, updated: 0, unhandled: 0 });
      expect(await service.orm.em.fork().count(ImagingStudy, {})).toBe(ALL_STUDIES.length);
    });

    it('keeps status, start, study UID, modalities, series and counts exactly as the fixtures have them', async () => {
      const rows = new Map((await service.orm.em.fork().find(ImagingStudy, {})).map((row) => [row.id, row]));
      for (const bundle of BUNDLES) {
        const encounters = new Map(resourcesOf<FhirEncounter>(bundle, 'Encounter').map((encounter) => [idOf(encounter), encounter]));
        for (const source of resourcesOf<FhirImagingStudy>(bundle, 'ImagingStudy')) {
          const encounterId = refId(source.encounter!.reference);
          const modalities = [...new Map(source.series!.map((series) => [series.modality.code, codingOf(series.modality)])).values()];
          expect(rows.get(idOf(source))).toMatchObject({
            patientId: refId(source.subject!.reference),
            encounterId,
            organizationId: refId(encounters.get(encounterId)!.serviceProvider!.reference),
            status: source.status,
            studyUid: source.identifier![0].value!.replace('urn:oid:', ''),
            startedAt: new Date(source.started!),
            modalities,
            modalityCodes: modalities.map((coding) => coding!.code),
            numberOfSeries: source.numberOfSeries,
            numberOfInstances: source.numberOfInstances,
            series: source.series!.map((series) => ({
              uid: series.uid,
              number: series.number,
              modality: codingOf(series.modality),
              bodySite: codingOf(series.bodySite),
              laterality: null,
              numberOfInstances: series.numberOfInstances,
              description: null,
              startedAt: new Date(series.started!).toISOString(),
            })),
          });
        }
      }
    });

    it('refuses a bundle with a series without a modality, naming the field, and imports nothing of it', async () => {
      const bundle = structuredClone(BUNDLES[MAIN]);
      const broken = bundle.entry!.find((entry) => entry.resource!.resourceType === 'ImagingStudy')!.resource as FhirImagingStudy;
      broken.id = randomUUID();
      delete (broken.series![0] as { modality?: unknown }).modality;
      await expect(importBundle(bundle)).rejects.toThrow(/ImagingStudy\.series\[0\]\.modality/);
      expect(await service.orm.em.fork().count(ImagingStudy, { id: broken.id })).toBe(0);
    });

    it('takes the start from the first series, then the encounter, when the study does not say it', async () => {
      const bundle = structuredClone(BUNDLES[MAIN]);
      const studies = bundle.entry!.map((entry) => entry.resource!).filter((r): r is FhirImagingStudy => r.resourceType === 'ImagingStudy');
      const [fromSeries, fromEncounter] = studies;
      delete fromSeries.started;
      fromSeries.series![0].started = '2001-02-03T04:05:06+00:00';
      delete fromEncounter.started;
      delete fromEncounter.series![0].started;
      expect((await importBundle(bundle)).types.ImagingStudy).toMatchObject({ created: 0, updated: mainStudies.length });
      const em = service.orm.em.fork();
      expect((await em.findOneOrFail(ImagingStudy, { id: idOf(fromSeries) })).startedAt).toEqual(new Date('2001-02-03T04:05:06Z'));
      const encounter = mainEncounters.find((e) => idOf(e) === refId(fromEncounter.encounter!.reference))!;
      expect((await em.findOneOrFail(ImagingStudy, { id: idOf(fromEncounter) })).startedAt).toEqual(new Date(encounter.period!.start!));
      // back to the fixture as it is
      expect((await importBundle(BUNDLES[MAIN])).types.ImagingStudy).toMatchObject({ updated: mainStudies.length });
    });
  });

  describe('reads', () => {
    it("lists the patient's studies newest first, paging without repeats", async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const page: any = await studiesOf(mainPatientId, { first: 2, after });
        seen.push(...page.edges.map((edge: any) => edge.node.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual([...mainStudies].sort(newestFirst).map(idOf));
    });

    it('filters by modality (any series), organization and a [from, to) window; has no code to filter on', async () => {
      const ids = async (args: Record<string, unknown>) => (await studiesOf(mainPatientId, args)).edges.map((edge: any) => edge.node.id).sort();
      for (const modality of ['US', 'CR', 'DX']) {
        const expected = mainStudies.filter((study) => study.series!.some((series) => series.modality.code === modality)).map(idOf).sort();
        expect(expected.length).toBeGreaterThan(0);
        expect(await ids({ modality })).toEqual(expected);
      }
      expect(await ids({ modality: 'MR' })).toEqual([]);
      const organizationOf = (study: FhirImagingStudy) => refId(mainEncounters.find((e) => idOf(e) === refId(study.encounter!.reference))!.serviceProvider!.reference);
      expect(await ids({ organizationId })).toEqual(mainStudies.filter((study) => organizationOf(study) === organizationId).map(idOf).sort());
      const starts = mainStudies.map((study) => new Date(study.started!).toISOString()).sort();
      expect(await ids({ from: starts[2], to: starts[6] })).toEqual(mainStudies.filter((study) => {
        const at = new Date(study.started!).toISOString();
        return at >= starts[2] && at < starts[6];
      }).map(idOf).sort());
      const coded = await graphql(LIST, { id: mainPatientId, code: '123' });
      expect(coded.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    });

    it('serves one study by id and as a reference, with its series, body sites and federated fields; unknown ids are null', async () => {
      const study = mainStudies[0];
      const data = await graphqlOk(`query ($id: ID!, $reps: [_Any!]!) {
        imagingStudy(id: $id) { id status studyUid startedAt numberOfSeries numberOfInstances modalities { system code display } bodySites { system code display }
          series { uid number modality { code } bodySite { code display } numberOfInstances startedAt } patient { id } organization { id } encounter { id } }
        _entities(representations: $reps) { ... on ImagingStudy { id } } }`, {
        id: study.id,
        reps: [{ __typename: 'ImagingStudy', id: study.id }, { __typename: 'ImagingStudy', id: randomUUID() }],
      });
      const [series] = study.series!;
      expect(data.imagingStudy).toEqual({
        id: idOf(study),
        status: 'AVAILABLE',
        studyUid: study.identifier![0].value!.replace('urn:oid:', ''),
        startedAt: new Date(study.started!).toISOString(),
        numberOfSeries: study.numberOfSeries,
        numberOfInstances: study.numberOfInstances,
        modalities: [codingOf(series.modality)],
        bodySites: [codingOf(series.bodySite)],
        series: [{
          uid: series.uid, number: series.number, modality: { code: series.modality.code }, bodySite: { code: series.bodySite!.code, display: series.bodySite!.display },
          numberOfInstances: series.numberOfInstances, startedAt: new Date(series.started!).toISOString(),
        }],
        patient: { id: mainPatientId },
        organization: { id: refId(mainEncounters.find((e) => idOf(e) === refId(study.encounter!.reference))!.serviceProvider!.reference) },
        encounter: { id: refId(study.encounter!.reference) },
      });
      expect(data._entities).toEqual([{ id: idOf(study) }, null]);
    });
  });

  describe('access', () => {
    const QUERY = `query ($patient: ID!, $id: ID!) {
      byId: imagingStudy(id: $id) { id }
      refs: _entities(representations: [{ __typename: "ImagingStudy", id: $id }, { __typename: "Patient", id: $patient }]) {
        ... on ImagingStudy { id } ... on Patient { imagingStudies(first: 1) { totalCount } } }
    }`;
    const seenBy = async (principal: Principal) => {
      const data = await graphqlOk(QUERY, { patient: mainPatientId, id: mainStudies[0].id }, principal);
      return { byId: data.byId, entity: data.refs[0], list: data.refs[1].imagingStudies };
    };

    it('hides studies from those who may not see the chart, exactly like unknown ones, and opens them on consent', async () => {
      const id = idOf(mainStudies[0]);
      const visible = { byId: { id }, entity: { id }, list: { totalCount: mainStudies.length } };
      expect(await seenBy(physician)).toEqual(visible);
      expect(await seenBy(patientUser(mainPatientId))).toEqual(visible);
      const elsewhere = await insertOrganization(db.url);
      for (const principal of [staff('physician', elsewhere), staff('billing', organizationId), staff('compliance', organizationId)]) {
        expect(await seenBy(principal)).toEqual({ byId: null, entity: null, list: null });
      }
      await insertConsent(db.url, mainPatientId, elsewhere, 'clinical');
      expect(await seenBy(staff('nurse', elsewhere))).toEqual(visible);
    });

    it("audits a list read as one 'read' row naming ImagingStudy", async () => {
      const reader = staff('physician', organizationId);
      await studiesOf(mainPatientId, {}, reader);
      const rows = await withSql(db.url, (sql) => sql(`select action, outcome, record_types, detail from audit.event where patient_id = $1 and actor_id = $2`, [mainPatientId, reader.userId]));
      expect(rows).toEqual([{ action: 'read', outcome: 'success', record_types: ['ImagingStudy'], detail: { records: mainStudies.length } }]);
    });
  });
});
