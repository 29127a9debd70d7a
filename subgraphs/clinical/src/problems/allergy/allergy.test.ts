import { randomUUID } from 'node:crypto';
import { resourceId, type Principal } from '@caregraph/platform';
import type { AllergyIntolerance as FhirAllergy } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { expectRefusedFor, nonClinicalRoles, useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { insertOrganization, insertPatient, patientUser, staff, type UserPrincipal } from '../../../../../test/support/principals';
import {
  chartOfPatient, FIXTURE_FILES, isoDateTime, latestProviderOf, patientWithMost, refId, resourcesOf, withResources,
} from '../../../../../test/support/synthea';
import { AllergyIntolerance } from './allergy.entity';
import { allergyData } from './allergy.fhir';
import { allergiesByEncounter } from './allergy.service';

const fixtureAllergies = resourcesOf<FhirAllergy>('AllergyIntolerance');
const allergiesOf = (patientId: string) => fixtureAllergies.filter((a) => refId(a.patient.reference) === patientId);
// the fixture patient with the most allergies
const patientId = patientWithMost('AllergyIntolerance');
const theirs = allergiesOf(patientId);
const theirChart = chartOfPatient(patientId);
/** Synthea's AllergyIntolerance has no encounter: it comes from the bundle's latest encounter's provider. */
const providerOfAllergy = (allergy: FhirAllergy) => latestProviderOf(chartOfPatient(refId(allergy.patient.reference)));
// of the organization the imported allergies came from
const physician = staff('physician', latestProviderOf(theirChart));

const ALLERGY_FIELDS = `id code { system code display } clinicalStatus verificationStatus type categories criticality
  reactions { manifestations { system code display } severity } onsetAt recordedAt patient { id } organization { id } encounter { id }`;
const RECORD = `mutation ($input: RecordAllergyIntoleranceInput!) { recordAllergyIntolerance(input: $input) { ${ALLERGY_FIELDS} } }`;

describe('clinical subgraph: allergies and intolerances', () => {
  const chart = useChartServices('allergies', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const allergies = chart.patientList('allergies', 'id recordedAt clinicalStatus categories',
    { clinicalStatus: 'AllergyIntoleranceClinicalStatus', category: 'AllergyIntoleranceCategory' }, { first: 100 });
  const allergiesPage = allergies.page;

  describe('FHIR import', () => {
    it('creates one row per fixture AllergyIntolerance across all 17 bundles', async () => {
      expect(FIXTURE_FILES).toHaveLength(17);
      expect(fixtureAllergies.length).toBeGreaterThan(20);
      await chart.expectEveryFixtureImported('AllergyIntolerance', AllergyIntolerance);
    });

    it('keeps substance, statuses, type, categories, criticality and dates exactly as the bundle has them', async () => {
      const rows = new Map((await chart.em().find(AllergyIntolerance, {})).map((row) => [row.id, row]));
      for (const source of fixtureAllergies) {
        const coding = source.code!.coding![0];
        expect(rows.get(resourceId('AllergyIntolerance', source.id!))).toMatchObject({
          patientId: refId(source.patient.reference),
          encounterId: null,
          organizationId: providerOfAllergy(source),
          code: { system: coding.system, code: coding.code, display: coding.display },
          codeValue: coding.code,
          clinicalStatus: source.clinicalStatus!.coding![0].code,
          verificationStatus: source.verificationStatus!.coding![0].code,
          type: source.type,
          categories: source.category,
          criticality: source.criticality,
          reactions: [],
          onsetAt: null,
          recordedAt: new Date(source.recordedDate!),
        });
      }
    });

    it('keeps reactions (manifestations and severity) and the onset, and sorts by the onset when no recorded date is given', () => {
      const view = bundleViewOf(theirChart.bundle.entry!.map((entry) => entry.resource!));
      const data = allergyData({
        ...theirs[0], recordedDate: undefined, onsetDateTime: '2001-02-03',
        category: ['medication', 'biologic', 'medication'],
        reaction: [
          { manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '247472004', display: 'Hives' }] }, { text: 'itching, no code' }], severity: 'moderate' },
          { manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '39579001' }] }] },
        ],
      }, view);
      expect(data).toMatchObject({
        onsetAt: new Date('2001-02-03T00:00:00Z'),
        recordedAt: new Date('2001-02-03T00:00:00Z'),
        categories: ['medication', 'biologic'],
        reactions: [
          { manifestations: [{ system: 'http://snomed.info/sct', code: '247472004', display: 'Hives' }], severity: 'moderate' },
          { manifestations: [{ system: 'http://snomed.info/sct', code: '39579001', display: null }], severity: null },
        ],
      });
    });

    const broken: [string, Partial<FhirAllergy>, string][] = [
      ['no substance code', { code: undefined }, 'AllergyIntolerance.code'],
      ['an unknown category', { category: ['pollen' as never] }, 'AllergyIntolerance.category'],
      ['an unknown criticality', { criticality: 'medium' as never }, 'AllergyIntolerance.criticality'],
      ['an unknown type', { type: 'sensitivity' as never }, 'AllergyIntolerance.type'],
      ['an unknown clinical status', { clinicalStatus: { coding: [{ code: 'gone' }] } }, 'AllergyIntolerance.clinicalStatus'],
      ['an unknown reaction severity', { reaction: [{ manifestation: [{ text: 'rash' }], severity: 'fatal' as never }] }, 'AllergyIntolerance.reaction.severity'],
      ['no recorded date and no onset', { recordedDate: undefined }, 'AllergyIntolerance.recordedDate'],
    ];
    it.each(broken)('refuses a bundle with %s, naming the field, and imports nothing of it', async (_label, change, field) => {
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[0], id: randomUUID(), ...change };
      await chart.expectImportRefused(withResources(theirChart.bundle, fresh, bad), field);
      expect(await chart.em().count(AllergyIntolerance, {})).toBe(fixtureAllergies.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's allergies newest recorded first, and pages through them without repeats", async () => {
      expect(theirs.length).toBeGreaterThan(2);
      const { nodes: seen, pages } = await allergies.all(patientId, { first: 2 });
      for (const page of pages) expect(page.totalCount).toBe(theirs.length);
      expect(seen.map((a) => a.id).sort()).toEqual(theirs.map((a) => a.id!.toLowerCase()).sort());
      expect(seen.map((a) => a.recordedAt)).toEqual(theirs.map((a) => isoDateTime(a.recordedDate)).sort().reverse());
    });

    it('filters by clinical status, category, code and organization', async () => {
      const ids = async (args: Record<string, unknown>) => (await allergiesPage(patientId, args)).edges.map((e: any) => e.node.id).sort();
      const idsOf = (list: FhirAllergy[]) => list.map((a) => a.id!.toLowerCase()).sort();
      for (const status of ['active', 'inactive', 'resolved']) {
        expect(await ids({ clinicalStatus: status.toUpperCase() })).toEqual(idsOf(theirs.filter((a) => a.clinicalStatus!.coding![0].code === status)));
      }
      expect(await ids({ category: 'FOOD' })).toEqual(idsOf(theirs.filter((a) => a.category!.includes('food'))));
      expect(await ids({ category: 'MEDICATION' })).toEqual(idsOf(theirs.filter((a) => a.category!.includes('medication'))));
      const code = theirs[0].code!.coding![0].code!;
      expect(await ids({ code })).toEqual(idsOf(theirs.filter((a) => a.code!.coding![0].code === code)));
      expect(await ids({ organizationId: physician.organizationId })).toEqual(idsOf(theirs));
      expect(await ids({ organizationId: randomUUID() })).toEqual([]);
    });

    it('serves one allergy by id and as a federated reference', async () => {
      const source = theirs[0];
      const id = source.id!.toLowerCase();
      const { allergyIntolerance } = await graphqlOk(`query ($id: ID!) { allergyIntolerance(id: $id) { ${ALLERGY_FIELDS} } }`, { id });
      expect(allergyIntolerance).toEqual({
        id,
        code: source.code!.coding![0],
        clinicalStatus: source.clinicalStatus!.coding![0].code!.toUpperCase(),
        verificationStatus: 'CONFIRMED',
        type: 'ALLERGY',
        categories: ['FOOD'],
        criticality: 'LOW',
        reactions: [],
        onsetAt: null,
        recordedAt: isoDateTime(source.recordedDate),
        patient: { id: patientId },
        organization: { id: physician.organizationId },
        encounter: null,
      });
      expect(await chart.references('AllergyIntolerance', [id, randomUUID()], 'id')).toEqual([{ id }, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const allergy: ChartRecordRef = { typename: 'AllergyIntolerance', id: theirs[0].id!, patientId, byId: 'allergyIntolerance', list: 'allergies' };
      for (const principal of await chart.strangers(physician.organizationId!)) {
        expect(await chart.seenBy(principal, allergy)).toEqual({ byId: null, entity: null, list: null });
      }
      expect((await allergiesPage(patientId, {}, patientUser(patientId))).totalCount).toBe(theirs.length);
      expect(await allergiesPage(randomUUID())).toBeNull();
    });
  });

  describe('recordAllergyIntolerance', () => {
    let organizationId: string;
    let clinician: UserPrincipal;
    beforeAll(async () => {
      organizationId = await insertOrganization(chart.db.url);
      clinician = staff('physician', organizationId);
    });
    const record = (input: Record<string, unknown>, principal: Principal = clinician) => graphql(RECORD, { input }, principal);
    const rowsOf = (id: string) => chart.em().count(AllergyIntolerance, { patientId: id });
    const valid = (id: string) => ({
      patientId: id,
      code: { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' },
      clinicalStatus: 'ACTIVE',
      verificationStatus: 'CONFIRMED',
      type: 'ALLERGY',
      categories: ['MEDICATION'],
      criticality: 'HIGH',
      reactions: [{ manifestations: [{ system: 'http://snomed.info/sct', code: '39579001', display: 'Anaphylaxis' }], severity: 'SEVERE' }],
      onsetAt: '2015-06-01T00:00:00Z',
    });

    it("records an allergy for the caller's organization, with its reactions, and files it under each category", async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
      const { data, errors } = await record(valid(id));
      expect(errors).toBeUndefined();
      expect(data!.recordAllergyIntolerance).toMatchObject({
        code: { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' },
        clinicalStatus: 'ACTIVE', verificationStatus: 'CONFIRMED', type: 'ALLERGY', categories: ['MEDICATION'], criticality: 'HIGH',
        reactions: [{ manifestations: [{ system: 'http://snomed.info/sct', code: '39579001', display: 'Anaphylaxis' }], severity: 'SEVERE' }],
        onsetAt: '2015-06-01T00:00:00.000Z', patient: { id }, organization: { id: organizationId }, encounter: null,
      });
      const both = (await record({ ...valid(id), code: { system: 'http://snomed.info/sct', code: '300916003' }, categories: ['FOOD', 'ENVIRONMENT', 'FOOD'], reactions: [] })).data!.recordAllergyIntolerance;
      expect(both.categories).toEqual(['FOOD', 'ENVIRONMENT']);
      const ids = async (args: Record<string, unknown>) => (await allergiesPage(id, args, clinician)).edges.map((e: any) => e.node.id);
      expect(await ids({})).toEqual([both.id, data!.recordAllergyIntolerance.id]);
      expect(await ids({ category: 'FOOD' })).toEqual([both.id]);
      expect(await ids({ category: 'ENVIRONMENT' })).toEqual([both.id]);
      expect(await ids({ category: 'MEDICATION' })).toEqual([data!.recordAllergyIntolerance.id]);
      expect(await ids({ category: 'BIOLOGIC' })).toEqual([]);
      const write = { action: 'write', outcome: 'success', record_types: ['AllergyIntolerance'], purpose: 'treatment', detail: { operation: 'create' } };
      expect(await chart.auditRows({ patientId: id, action: 'write' })).toEqual([write, write]);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await insertPatient(chart.db.url, [organizationId]);
      });
      const cases: [string, Record<string, unknown>, string][] = [
        ['a substance code system other than SNOMED CT or RxNorm', { code: { system: 'http://hl7.org/fhir/sid/cvx', code: '140' } }, 'code.system'],
        ['a manifestation outside SNOMED CT', { reactions: [{ manifestations: [{ system: 'http://loinc.org', code: '1234-5' }] }] }, 'reactions[0].manifestations[0].system'],
        ['a reaction without manifestations', { reactions: [{ manifestations: [], severity: 'MILD' }] }, 'reactions[0].manifestations'],
        ['an onset in the future', { onsetAt: new Date(Date.now() + 86_400_000).toISOString() }, 'onsetAt'],
        ['no clinical status', { clinicalStatus: null }, 'clinicalStatus'],
        ['a clinical status on an entry in error', { verificationStatus: 'ENTERED_IN_ERROR' }, 'clinicalStatus'],
        ['an unknown category', { categories: ['MEDICATION', 'POLLEN'] }, 'categories[1]'],
        ['an unknown criticality', { criticality: 'MEDIUM' }, 'criticality'],
        ['a patientId that is not a UUID', { patientId: 'p-1' }, 'patientId'],
      ];
      it.each(cases)('%s', async (_label, change, field) => {
        const response = await record({ ...valid(id), ...change });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await rowsOf(id)).toBe(0);
      });

      it('accepts the same input once corrected', async () => {
        expect((await record(valid(id))).errors).toBeUndefined();
        expect(await rowsOf(id)).toBe(1);
      });
    });

    it('lets only physicians and nurses record allergies (FORBIDDEN otherwise), and a hidden patient is NOT_FOUND', async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
      await expectRefusedFor(nonClinicalRoles(organizationId, id), (principal) => record(valid(id), principal), 'FORBIDDEN');
      expect(await rowsOf(id)).toBe(0);
      expect((await record(valid(id), staff('nurse', organizationId))).errors).toBeUndefined();
      expect(await rowsOf(id)).toBe(1);
      const [hidden] = await chart.hiddenAndUnknownPatients();
      expect((await record(valid(hidden))).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
      expect(await rowsOf(hidden)).toBe(0);
    });

    it("batches allergies per encounter (DataLoader), leaving out those of patients the caller may not see", async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
      const encounterId = await chart.recordEncounter(id, organizationId, { principal: clinician });
      const first = (await record({ ...valid(id), encounterId })).data!.recordAllergyIntolerance;
      const second = (await record({ ...valid(id), encounterId })).data!.recordAllergyIntolerance;
      expect(first.encounter).toEqual({ id: encounterId });
      const mine = await allergiesByEncounter(await chart.contextFor(clinician)).loadMany([encounterId, randomUUID()]);
      expect(mine).toEqual([[expect.objectContaining({ id: second.id }), expect.objectContaining({ id: first.id })], []]);
      const outsider = await allergiesByEncounter(await chart.contextFor(staff('physician', await insertOrganization(chart.db.url)))).load(encounterId);
      expect(outsider).toEqual([]);
    });
  });
});
