import { randomUUID } from 'node:crypto';
import type { Principal } from '@caregraph/platform';
import type { Encounter as FhirEncounter, ImagingStudy as FhirImagingStudy } from '@medplum/fhirtypes';
import { useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { insertConsent, insertOrganization, patientUser, staff } from '../../../../../test/support/principals';
import { fixtureChart, idOf, providerOf, refId, resourcesOf } from '../../../../../test/support/synthea';
import { ImagingStudy } from './imaging-study.entity';

/** The patient of most tests: 9 studies (ultrasound, CR and DX) from several encounters. */
const MAIN = fixtureChart('Coleman_Ortiz');

const ALL_STUDIES = resourcesOf<FhirImagingStudy>('ImagingStudy');
const mainStudies = MAIN.of<FhirImagingStudy>('ImagingStudy');
const mainEncounters = MAIN.of<FhirEncounter>('Encounter');
const mainPatientId = MAIN.patientId;
const newestFirst = (a: FhirImagingStudy, b: FhirImagingStudy) => b.started!.localeCompare(a.started!) || a.id!.localeCompare(b.id!);
const codingOf = (coding: { system?: string; code?: string; display?: string } | undefined) =>
  coding ? { system: coding.system ?? null, code: coding.code, display: coding.display ?? null } : null;
const organizationId = MAIN.organizationIds[0];
// a physician of one of the organizations the main patient was seen at (registered there by the import)
const physician = staff('physician', organizationId);

describe('clinical subgraph: imaging studies', () => {
  const chart = useChartServices('imaging_studies', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const studies = chart.patientList('imagingStudies', 'id startedAt', { modality: 'String' }, { first: 100 });
  const studiesOf = studies.page;

  describe('FHIR import', () => {
    it('imports every ImagingStudy of the 17 fixtures, once', async () => {
      expect(ALL_STUDIES.length).toBe(23);
      await chart.expectEveryFixtureImported('ImagingStudy', ImagingStudy);
    });

    it('keeps status, start, study UID, modalities, series and counts exactly as the fixtures have them', async () => {
      const rows = new Map((await chart.em().find(ImagingStudy, {})).map((row) => [row.id, row]));
      for (const source of ALL_STUDIES) {
        const encounterId = refId(source.encounter!.reference);
        const modalities = [...new Map(source.series!.map((series) => [series.modality.code, codingOf(series.modality)])).values()];
        expect(rows.get(idOf(source))).toMatchObject({
          patientId: refId(source.subject!.reference),
          encounterId,
          organizationId: providerOf(source),
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
    });

    it('refuses a bundle with a series without a modality, naming the field, and imports nothing of it', async () => {
      const bundle = structuredClone(MAIN.bundle);
      const broken = bundle.entry!.find((entry) => entry.resource!.resourceType === 'ImagingStudy')!.resource as FhirImagingStudy;
      broken.id = randomUUID();
      delete (broken.series![0] as { modality?: unknown }).modality;
      await chart.expectImportRefused(bundle, 'ImagingStudy.series[0].modality');
      expect(await chart.em().count(ImagingStudy, { id: broken.id })).toBe(0);
    });

    it('takes the start from the first series, then the encounter, when the study does not say it', async () => {
      const bundle = structuredClone(MAIN.bundle);
      const [fromSeries, fromEncounter] = resourcesOf<FhirImagingStudy>('ImagingStudy', bundle);
      delete fromSeries.started;
      fromSeries.series![0].started = '2001-02-03T04:05:06+00:00';
      delete fromEncounter.started;
      delete fromEncounter.series![0].started;
      expect((await chart.importBundle(bundle)).types.ImagingStudy).toMatchObject({ created: 0, updated: mainStudies.length });
      const em = chart.em();
      expect((await em.findOneOrFail(ImagingStudy, { id: idOf(fromSeries) })).startedAt).toEqual(new Date('2001-02-03T04:05:06Z'));
      const encounter = mainEncounters.find((e) => idOf(e) === refId(fromEncounter.encounter!.reference))!;
      expect((await em.findOneOrFail(ImagingStudy, { id: idOf(fromEncounter) })).startedAt).toEqual(new Date(encounter.period!.start!));
      // back to the fixture as it is
      expect((await chart.importBundle(MAIN.bundle)).types.ImagingStudy).toMatchObject({ updated: mainStudies.length });
    });
  });

  describe('reads', () => {
    it("lists the patient's studies newest first, paging without repeats", async () => {
      const { nodes } = await studies.all(mainPatientId, { first: 2 });
      expect(nodes.map((node) => node.id)).toEqual([...mainStudies].sort(newestFirst).map(idOf));
    });

    it('filters by modality (any series), organization and a [from, to) window; has no code to filter on', async () => {
      const ids = async (args: Record<string, unknown>) => (await studiesOf(mainPatientId, args)).edges.map((edge: any) => edge.node.id).sort();
      for (const modality of ['US', 'CR', 'DX']) {
        const expected = mainStudies.filter((study) => study.series!.some((series) => series.modality.code === modality)).map(idOf).sort();
        expect(expected.length).toBeGreaterThan(0);
        expect(await ids({ modality })).toEqual(expected);
      }
      expect(await ids({ modality: 'MR' })).toEqual([]);
      expect(await ids({ organizationId })).toEqual(mainStudies.filter((study) => providerOf(study) === organizationId).map(idOf).sort());
      const starts = mainStudies.map((study) => new Date(study.started!).toISOString()).sort();
      expect(await ids({ from: starts[2], to: starts[6] })).toEqual(mainStudies.filter((study) => {
        const at = new Date(study.started!).toISOString();
        return at >= starts[2] && at < starts[6];
      }).map(idOf).sort());
      const coded = await graphql(studies.query, { id: mainPatientId, code: '123' });
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
        organization: { id: providerOf(study) },
        encounter: { id: refId(study.encounter!.reference) },
      });
      expect(data._entities).toEqual([{ id: idOf(study) }, null]);
    });
  });

  describe('access', () => {
    const STUDY: ChartRecordRef = { typename: 'ImagingStudy', id: mainStudies[0].id!, patientId: mainPatientId, byId: 'imagingStudy', list: 'imagingStudies' };
    const seenBy = (principal: Principal) => chart.seenBy(principal, STUDY);

    it('hides studies from those who may not see the chart, exactly like unknown ones, and opens them on consent', async () => {
      const id = idOf(mainStudies[0]);
      const visible = { byId: { id }, entity: { id }, list: { totalCount: mainStudies.length } };
      expect(await seenBy(physician)).toEqual(visible);
      expect(await seenBy(patientUser(mainPatientId))).toEqual(visible);
      const elsewhere = await insertOrganization(chart.db.url);
      for (const principal of [staff('physician', elsewhere), staff('billing', organizationId), staff('compliance', organizationId)]) {
        expect(await seenBy(principal)).toEqual({ byId: null, entity: null, list: null });
      }
      await insertConsent(chart.db.url, mainPatientId, elsewhere, 'clinical');
      expect(await seenBy(staff('nurse', elsewhere))).toEqual(visible);
    });

    it("audits a list read as one 'read' row naming ImagingStudy", async () => {
      const reader = staff('physician', organizationId);
      await studiesOf(mainPatientId, {}, reader);
      expect(await chart.auditRows({ patientId: mainPatientId, actorId: reader.userId })).toEqual([
        { action: 'read', outcome: 'success', record_types: ['ImagingStudy'], purpose: 'treatment', detail: { records: mainStudies.length } },
      ]);
    });
  });
});
