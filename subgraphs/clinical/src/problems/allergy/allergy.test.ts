import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { accessDecisionsUrl, ASSERTION_HEADER, createLogger, createRequestContext, remoteAccessPolicy, resourceId, type RunningSubgraph } from '@caregraph/platform';
import type { AllergyIntolerance as FhirAllergy, Bundle, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { createImporter } from '@caregraph/tools';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { assertionHeaders, graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { createClinicalContext } from '../../context';
import { clinicalSubgraph } from '../../subgraph';
import { AllergyIntolerance } from './allergy.entity';
import { allergyData } from './allergy.fhir';
import { allergiesByEncounter } from './allergy.service';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
const ref = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();

const bundles = FILES.map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
const resourcesOf = (bundle: Bundle) => bundle.entry!.map((entry) => entry.resource!);
const all = <T>(type: string) => bundles.flatMap((bundle) => resourcesOf(bundle).filter((r) => r.resourceType === type)) as T[];
const fixtureAllergies = all<FhirAllergy>('AllergyIntolerance');
const allergiesOf = (patientId: string) => fixtureAllergies.filter((a) => ref(a.patient.reference) === patientId);
// the fixture patient with the most allergies
const patientId = [...new Set(fixtureAllergies.map((a) => ref(a.patient.reference)))].sort((a, b) => allergiesOf(b).length - allergiesOf(a).length)[0];
const theirs = allergiesOf(patientId);
const bundleOf = (id: string) => bundles.find((b) => resourcesOf(b).some((r) => r.id === id))!;
/** Synthea's AllergyIntolerance has no encounter: it comes from the bundle's latest encounter's provider. */
const latestProviderOf = (bundle: Bundle) => {
  const encounters = resourcesOf(bundle).filter((r) => r.resourceType === 'Encounter') as FhirEncounter[];
  return ref([...encounters].sort((a, b) => b.period!.start!.localeCompare(a.period!.start!))[0].serviceProvider!.reference);
};
const iso = (value: string | undefined) => (value ? new Date(value).toISOString() : null);

const ALLERGY_FIELDS = `id code { system code display } clinicalStatus verificationStatus type categories criticality
  reactions { manifestations { system code display } severity } onsetAt recordedAt patient { id } organization { id } encounter { id }`;
const PATIENT_ALLERGIES = `query ($id: ID!, $first: Int, $after: String, $clinicalStatus: AllergyIntoleranceClinicalStatus, $category: AllergyIntoleranceCategory, $code: String, $organizationId: ID) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    allergies(first: $first, after: $after, clinicalStatus: $clinicalStatus, category: $category, code: $code, organizationId: $organizationId) {
      totalCount edges { node { id recordedAt clinicalStatus categories } } pageInfo { hasNextPage endCursor } } } } }`;
const RECORD = `mutation ($input: RecordAllergyIntoleranceInput!) { recordAllergyIntolerance(input: $input) { ${ALLERGY_FIELDS} } }`;

describe('clinical subgraph: allergies and intolerances', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let physician: UserPrincipal; // of the organization the imported allergies came from
  let created = 0;

  beforeAll(async () => {
    db = await createTestDatabase('allergies');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    service = await startTestSubgraph(clinicalSubgraph, db.url);
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    try {
      for (const file of FILES) created += (await importer.importFile(path.join(FIXTURES, file))).types.AllergyIntolerance?.created ?? 0;
    } finally {
      await importer.close();
    }
    physician = staff('physician', latestProviderOf(bundleOf(theirs[0].id!)));
  }, 180_000);
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const allergiesPage = async (id: string, args: Record<string, unknown> = {}, principal: UserPrincipal = physician) =>
    (await callOk(service.url, PATIENT_ALLERGIES, { id, first: 100, ...args }, { principal }))._entities[0].allergies;

  describe('FHIR import', () => {
    it('creates one row per fixture AllergyIntolerance across all 17 bundles', async () => {
      expect(FILES).toHaveLength(17);
      expect(fixtureAllergies.length).toBeGreaterThan(20);
      expect(created).toBe(fixtureAllergies.length);
      expect(await service.orm.em.fork().count(AllergyIntolerance, {})).toBe(fixtureAllergies.length);
    });

    it('keeps substance, statuses, type, categories, criticality and dates exactly as the bundle has them', async () => {
      const rows = new Map((await service.orm.em.fork().find(AllergyIntolerance, {})).map((row) => [row.id, row]));
      for (const source of fixtureAllergies) {
        const coding = source.code!.coding![0];
        expect(rows.get(resourceId('AllergyIntolerance', source.id!))).toMatchObject({
          patientId: ref(source.patient.reference),
          encounterId: null,
          organizationId: latestProviderOf(bundleOf(source.id!)),
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
      const view = bundleViewOf(resourcesOf(bundleOf(theirs[0].id!)));
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
      const bundle = bundleOf(theirs[0].id!);
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[0], id: randomUUID(), ...change };
      const changed = { ...bundle, entry: [...bundle.entry!, { fullUrl: `urn:uuid:${fresh.id}`, resource: fresh }, { fullUrl: `urn:uuid:${bad.id}`, resource: bad }] };
      const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
      try {
        await expect(importer.importBundle(changed, 'broken.json')).rejects.toMatchObject({ cause: { extensions: { code: 'BAD_USER_INPUT', field } } });
      } finally {
        await importer.close();
      }
      expect(await service.orm.em.fork().count(AllergyIntolerance, {})).toBe(fixtureAllergies.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's allergies newest recorded first, and pages through them without repeats", async () => {
      expect(theirs.length).toBeGreaterThan(2);
      const seen: any[] = [];
      let after: string | null = null;
      do {
        const page: any = await allergiesPage(patientId, { first: 2, after });
        expect(page.totalCount).toBe(theirs.length);
        seen.push(...page.edges.map((e: any) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(seen.map((a) => a.id).sort()).toEqual(theirs.map((a) => a.id!.toLowerCase()).sort());
      expect(seen.map((a) => a.recordedAt)).toEqual(theirs.map((a) => iso(a.recordedDate)).sort().reverse());
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
      const { allergyIntolerance } = await callOk(service.url, `query ($id: ID!) { allergyIntolerance(id: $id) { ${ALLERGY_FIELDS} } }`, { id }, { principal: physician });
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
        recordedAt: iso(source.recordedDate),
        patient: { id: patientId },
        organization: { id: physician.organizationId },
        encounter: null,
      });
      const { _entities } = await callOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on AllergyIntolerance { id } } }`, {
        reps: [{ __typename: 'AllergyIntolerance', id }, { __typename: 'AllergyIntolerance', id: randomUUID() }],
      }, { principal: physician });
      expect(_entities).toEqual([{ id }, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const id = theirs[0].id!.toLowerCase();
      for (const principal of [staff('physician', await insertOrganization(db.url)), staff('billing', physician.organizationId!), patientUser(randomUUID())]) {
        expect((await callOk(service.url, `query ($id: ID!) { allergyIntolerance(id: $id) { id } }`, { id }, { principal })).allergyIntolerance).toBeNull();
        expect(await allergiesPage(patientId, {}, principal)).toBeNull();
      }
      expect((await allergiesPage(patientId, {}, patientUser(patientId))).totalCount).toBe(theirs.length);
      expect(await allergiesPage(randomUUID())).toBeNull();
    });
  });

  describe('recordAllergyIntolerance', () => {
    let organizationId: string;
    let clinician: UserPrincipal;
    beforeAll(async () => {
      organizationId = await insertOrganization(db.url);
      clinician = staff('physician', organizationId);
    });
    const record = (input: Record<string, unknown>, principal: UserPrincipal = clinician) => call(service.url, RECORD, { input }, { principal });
    const rowsOf = (id: string) => service.orm.em.fork().count(AllergyIntolerance, { patientId: id });
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
      const id = await insertPatient(db.url, [organizationId]);
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
      const writes = await withSql(db.url, (sql) => sql(`select record_types, detail from audit.event where patient_id = $1 and action = 'write'`, [id]));
      expect(writes).toEqual([
        { record_types: ['AllergyIntolerance'], detail: { operation: 'create' } },
        { record_types: ['AllergyIntolerance'], detail: { operation: 'create' } },
      ]);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await insertPatient(db.url, [organizationId]);
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
      const id = await insertPatient(db.url, [organizationId]);
      for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), patientUser(id)]) {
        expect((await record(valid(id), principal)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      expect(await rowsOf(id)).toBe(0);
      expect((await record(valid(id), staff('nurse', organizationId))).errors).toBeUndefined();
      expect(await rowsOf(id)).toBe(1);
      const hidden = await insertPatient(db.url, [await insertOrganization(db.url)]);
      expect((await record(valid(hidden))).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
      expect(await rowsOf(hidden)).toBe(0);
    });

    it("batches allergies per encounter (DataLoader), leaving out those of patients the caller may not see", async () => {
      const id = await insertPatient(db.url, [organizationId]);
      const ENCOUNTER = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id } }`;
      const encounterId = (await callOk(service.url, ENCOUNTER, { input: { patientId: id, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-01-01T00:00:00Z' } }, { principal: clinician })).recordEncounter.id;
      const first = (await record({ ...valid(id), encounterId })).data!.recordAllergyIntolerance;
      const second = (await record({ ...valid(id), encounterId })).data!.recordAllergyIntolerance;
      expect(first.encounter).toEqual({ id: encounterId });
      const contextFor = async (principal: UserPrincipal) => {
        const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
        const requestId = randomUUID();
        return createClinicalContext(createRequestContext({
          service: 'clinical', em: service.orm.em.fork(), principal, log: createLogger('test', 'silent'), requestId,
          policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId }),
        }));
      };
      const mine = await allergiesByEncounter(await contextFor(clinician)).loadMany([encounterId, randomUUID()]);
      expect(mine).toEqual([[expect.objectContaining({ id: second.id }), expect.objectContaining({ id: first.id })], []]);
      const outsider = await allergiesByEncounter(await contextFor(staff('physician', await insertOrganization(db.url)))).load(encounterId);
      expect(outsider).toEqual([]);
    });
  });
});
