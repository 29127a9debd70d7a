import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, createRequestContext, accessDecisionsUrl, remoteAccessPolicy, ASSERTION_HEADER, resourceId, type RunningSubgraph } from '@caregraph/platform';
import type { Bundle, Condition as FhirCondition, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { createImporter } from '@caregraph/tools';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { assertionHeaders, graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { createClinicalContext } from '../../context';
import { clinicalSubgraph } from '../../subgraph';
import { Condition } from './condition.entity';
import { conditionData } from './condition.fhir';
import { conditionsByEncounter } from './condition.service';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const ref = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();

/** Every fixture bundle, parsed once. */
const bundles = readdirSync(FIXTURES).filter((file) => file.endsWith('.json')).map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
const all = <T>(type: string) => bundles.flatMap((bundle) => bundle.entry!.map((entry) => entry.resource!).filter((resource) => resource.resourceType === type)) as T[];
const fixtureConditions = all<FhirCondition>('Condition');
const fixtureEncounters = new Map(all<FhirEncounter>('Encounter').map((encounter) => [encounter.id!.toLowerCase(), encounter]));
const conditionsOf = (patientId: string) => fixtureConditions.filter((c) => ref(c.subject.reference) === patientId);
const isActive = (c: FhirCondition) => ['active', 'recurrence', 'relapse'].includes(c.clinicalStatus!.coding![0].code!);

// the fixture patient with the most conditions, some active and some resolved
const patientId = [...new Set(fixtureConditions.map((c) => ref(c.subject.reference)))]
  .sort((a, b) => conditionsOf(b).length - conditionsOf(a).length)[0];
const theirs = conditionsOf(patientId);
const providerOf = (c: FhirCondition) => ref(fixtureEncounters.get(ref(c.encounter!.reference))!.serviceProvider!.reference);

const CONDITION_FIELDS = `id code { system code display } clinicalStatus verificationStatus category onsetAt abatementAt recordedAt
  asserter { id } patient { id } organization { id } encounter { id } createdAt updatedAt`;
const PATIENT_CONDITIONS = `query ($id: ID!, $first: Int, $after: String, $clinicalStatus: ConditionClinicalStatus, $category: ConditionCategory, $code: String, $organizationId: ID, $from: DateTimeISO, $to: DateTimeISO) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    conditions(first: $first, after: $after, clinicalStatus: $clinicalStatus, category: $category, code: $code, organizationId: $organizationId, from: $from, to: $to) {
      totalCount edges { node { id recordedAt clinicalStatus code { code } } } pageInfo { hasNextPage endCursor } } } } }`;
const ACTIVE_PROBLEMS = `query ($id: ID!, $first: Int, $after: String) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    activeProblems(first: $first, after: $after) { totalCount edges { node { id recordedAt clinicalStatus } } pageInfo { hasNextPage endCursor } } } } }`;
const RECORD = `mutation ($input: RecordConditionInput!) { recordCondition(input: $input) { ${CONDITION_FIELDS} } }`;

/** The fhir-dateTime of the fixture as GraphQL serialises it. */
const iso = (value: string | undefined) => (value ? new Date(value).toISOString() : null);

describe('clinical subgraph: conditions', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let physician: UserPrincipal; // of an organization the imported patient was seen at
  let importSummary: Awaited<ReturnType<Awaited<ReturnType<typeof createImporter>>['importFile']>>[];

  beforeAll(async () => {
    db = await createTestDatabase('conditions');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    service = await startTestSubgraph(clinicalSubgraph, db.url);
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    try {
      importSummary = [];
      for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) importSummary.push(await importer.importFile(path.join(FIXTURES, file)));
    } finally {
      await importer.close();
    }
    physician = staff('physician', providerOf(theirs[0]));
  }, 180_000);
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  const asPhysician = (query: string, variables: Record<string, unknown> = {}) => callOk(service.url, query, variables, { principal: physician });
  const conditionsPage = async (args: Record<string, unknown>, principal: UserPrincipal = physician) =>
    (await callOk(service.url, PATIENT_CONDITIONS, { id: patientId, first: 100, ...args }, { principal }))._entities[0].conditions;

  describe('FHIR import', () => {
    it('creates one row per fixture Condition across all 17 bundles', async () => {
      expect(bundles).toHaveLength(17);
      expect(fixtureConditions.length).toBeGreaterThan(100);
      const created = importSummary.reduce((sum, s) => sum + (s.types.Condition?.created ?? 0), 0);
      expect(created).toBe(fixtureConditions.length);
      expect(await service.orm.em.fork().count(Condition, {})).toBe(fixtureConditions.length);
    });

    it('keeps codes, statuses, dates, patient, encounter and source organization exactly as the bundle has them', async () => {
      const rows = new Map((await service.orm.em.fork().find(Condition, {})).map((row) => [row.id, row]));
      for (const source of fixtureConditions) {
        const coding = source.code!.coding![0];
        expect(rows.get(resourceId('Condition', source.id!))).toMatchObject({
          patientId: ref(source.subject.reference),
          encounterId: ref(source.encounter!.reference),
          organizationId: providerOf(source),
          code: { system: coding.system, code: coding.code, display: coding.display },
          codeValue: coding.code,
          clinicalStatus: source.clinicalStatus!.coding![0].code,
          verificationStatus: source.verificationStatus!.coding![0].code,
          category: 'problem-list-item', // Synthea gives none
          onsetAt: new Date(source.onsetDateTime!),
          abatementAt: source.abatementDateTime ? new Date(source.abatementDateTime) : null,
          recordedAt: new Date(source.recordedDate!),
          asserterPractitionerId: null,
        });
      }
    });

    it('updates in place when a bundle is imported again', async () => {
      const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
      try {
        const file = readdirSync(FIXTURES).find((f) => f.endsWith('.json') && readFileSync(path.join(FIXTURES, f), 'utf8').includes(patientId))!;
        const again = await importer.importFile(path.join(FIXTURES, file));
        expect(again.types.Condition).toMatchObject({ created: 0, updated: theirs.length });
      } finally {
        await importer.close();
      }
      expect(await service.orm.em.fork().count(Condition, {})).toBe(fixtureConditions.length);
    });

    it('takes the recorded date from the onset when the source has none, and the category as given', async () => {
      const bundle = bundles.find((b) => b.entry!.some((e) => e.resource!.id === theirs[0].id))!;
      const view = bundleViewOf(bundle.entry!.map((e) => e.resource!));
      const practitioner = bundle.entry!.map((e) => e.resource!).find((r) => r.resourceType === 'Practitioner')!;
      const data = conditionData({
        ...theirs[0], recordedDate: undefined, onsetDateTime: '2019-05-01T10:00:00+02:00',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
        asserter: { reference: `Practitioner/${practitioner.id}` },
      }, view);
      expect(data).toMatchObject({ recordedAt: new Date('2019-05-01T08:00:00Z'), category: 'encounter-diagnosis', asserterPractitionerId: practitioner.id!.toLowerCase() });
    });

    const broken: [string, Partial<FhirCondition>, string][] = [
      ['a code without a coding', { code: { text: 'something' } }, 'Condition.code'],
      ['an unknown clinical status', { clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'gone' }] } }, 'Condition.clinicalStatus'],
      ['an unknown verification status', { verificationStatus: { coding: [{ code: 'maybe' }] } }, 'Condition.verificationStatus'],
      ['a category outside the value set', { category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/condition-category', code: 'health-concern' }] }] }, 'Condition.category'],
      ['no recorded date and no onset', { recordedDate: undefined, onsetDateTime: undefined }, 'Condition.recordedDate'],
      ['an abatement before the onset', { onsetDateTime: '2010-01-01', abatementDateTime: '2009-12-31' }, 'Condition.abatementDateTime'],
      ['a malformed onset', { onsetDateTime: '2010-02-30' }, 'Condition.onsetDateTime'],
    ];
    it.each(broken)('refuses a bundle with %s, naming the field, and imports nothing of it', async (_label, change, field) => {
      const bundle = bundles.find((b) => b.entry!.some((e) => e.resource!.id === theirs[0].id))!;
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[1], id: randomUUID(), ...change };
      const changed = { ...bundle, entry: [...bundle.entry!, { fullUrl: `urn:uuid:${fresh.id}`, resource: fresh }, { fullUrl: `urn:uuid:${bad.id}`, resource: bad }] };
      const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
      try {
        await expect(importer.importBundle(changed, 'broken.json')).rejects.toMatchObject({ cause: { extensions: { code: 'BAD_USER_INPUT', field } } });
      } finally {
        await importer.close();
      }
      const em = service.orm.em.fork();
      expect(await em.count(Condition, { id: { $in: [fresh.id, bad.id] } })).toBe(0);
      expect(await em.count(Condition, {})).toBe(fixtureConditions.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's conditions newest recorded first, and pages through them without repeats", async () => {
      const seen: { id: string; recordedAt: string }[] = [];
      let after: string | null = null;
      let pages = 0;
      let totalCount = 0;
      do {
        const page: any = await conditionsPage({ first: 3, after });
        totalCount = page.totalCount;
        seen.push(...page.edges.map((e: any) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages += 1;
      } while (after);
      expect(totalCount).toBe(theirs.length);
      expect(pages).toBe(Math.ceil(theirs.length / 3));
      expect(seen).toHaveLength(theirs.length);
      expect(new Set(seen.map((c) => c.id))).toEqual(new Set(theirs.map((c) => c.id!.toLowerCase())));
      const dates = seen.map((c) => c.recordedAt);
      expect(dates).toEqual([...dates].sort().reverse());
      expect(dates).toEqual(theirs.map((c) => iso(c.recordedDate)).sort().reverse());
    });

    it('filters by clinical status, category, code, organization and a [from, to) window', async () => {
      const ids = async (args: Record<string, unknown>) => (await conditionsPage(args)).edges.map((e: any) => e.node.id).sort();
      const idsOf = (list: FhirCondition[]) => list.map((c) => c.id!.toLowerCase()).sort();
      const resolved = theirs.filter((c) => c.clinicalStatus!.coding![0].code === 'resolved');
      expect(resolved.length).toBeGreaterThan(0);
      expect(await ids({ clinicalStatus: 'RESOLVED' })).toEqual(idsOf(resolved));
      expect(await ids({ clinicalStatus: 'ACTIVE' })).toEqual(idsOf(theirs.filter((c) => c.clinicalStatus!.coding![0].code === 'active')));
      expect(await ids({ category: 'PROBLEM_LIST_ITEM' })).toEqual(idsOf(theirs));
      expect(await ids({ category: 'ENCOUNTER_DIAGNOSIS' })).toEqual([]);
      const code = theirs[0].code!.coding![0].code!;
      expect(await ids({ code })).toEqual(idsOf(theirs.filter((c) => c.code!.coding![0].code === code)));
      const organizationId = providerOf(theirs[0]);
      expect(await ids({ organizationId })).toEqual(idsOf(theirs.filter((c) => providerOf(c) === organizationId)));
      const sorted = [...theirs].sort((a, b) => a.recordedDate!.localeCompare(b.recordedDate!));
      const from = sorted[1].recordedDate!;
      const to = sorted[sorted.length - 1].recordedDate!;
      expect(await ids({ from, to })).toEqual(idsOf(theirs.filter((c) => new Date(c.recordedDate!) >= new Date(from) && new Date(c.recordedDate!) < new Date(to))));
    });

    it('lists the active problems (active, recurrence, relapse) newest first, paginated', async () => {
      const active = theirs.filter(isActive);
      expect(active.length).toBeGreaterThan(1);
      expect(active.length).toBeLessThan(theirs.length);
      const seen: any[] = [];
      let after: string | null = null;
      do {
        const page: any = (await asPhysician(ACTIVE_PROBLEMS, { id: patientId, first: 2, after }))._entities[0].activeProblems;
        expect(page.totalCount).toBe(active.length);
        seen.push(...page.edges.map((e: any) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(seen.map((c) => c.id).sort()).toEqual(active.map((c) => c.id!.toLowerCase()).sort());
      expect(seen.every((c) => c.clinicalStatus === 'ACTIVE')).toBe(true);
      expect(seen.map((c) => c.recordedAt)).toEqual(active.map((c) => iso(c.recordedDate)).sort().reverse());
    });

    it('serves one condition by id and as a federated reference, with the chart record fields', async () => {
      const source = theirs.find((c) => c.abatementDateTime)!;
      const id = source.id!.toLowerCase();
      const expected = {
        id,
        code: source.code!.coding![0],
        clinicalStatus: 'RESOLVED',
        verificationStatus: 'CONFIRMED',
        category: 'PROBLEM_LIST_ITEM',
        onsetAt: iso(source.onsetDateTime),
        abatementAt: iso(source.abatementDateTime),
        recordedAt: iso(source.recordedDate),
        asserter: null,
        patient: { id: patientId },
        organization: { id: providerOf(source) },
        encounter: { id: ref(source.encounter!.reference) },
      };
      const { condition } = await asPhysician(`query ($id: ID!) { condition(id: $id) { ${CONDITION_FIELDS} } }`, { id });
      expect(condition).toMatchObject(expected);
      const { _entities } = await asPhysician(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Condition { id code { code } } } }`, {
        reps: [{ __typename: 'Condition', id }, { __typename: 'Condition', id: randomUUID() }, { __typename: 'Condition', id: 'nope' }],
      });
      expect(_entities).toEqual([{ id, code: { code: source.code!.coding![0].code } }, null, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const id = theirs[0].id!.toLowerCase();
      const BY_ID = `query ($id: ID!) { condition(id: $id) { id } }`;
      const strangers: UserPrincipal[] = [
        staff('physician', await insertOrganization(db.url)), // not registered there, no consent
        staff('billing', physician.organizationId!), // registered, but clinical is not billing's
        patientUser(randomUUID()), // another patient
      ];
      for (const principal of strangers) {
        expect((await callOk(service.url, BY_ID, { id }, { principal })).condition).toBeNull();
        expect(await conditionsPage({}, principal)).toBeNull();
        const active = await callOk(service.url, ACTIVE_PROBLEMS, { id: patientId }, { principal });
        expect(active._entities[0].activeProblems).toBeNull();
      }
      // the patient reads their own
      expect((await conditionsPage({}, patientUser(patientId))).totalCount).toBe(theirs.length);
      // an unknown patient answers like a hidden one
      expect((await callOk(service.url, PATIENT_CONDITIONS, { id: randomUUID() }, { principal: physician }))._entities[0].conditions).toBeNull();
    });

    it("audits a list read as one 'read' row for the patient, naming Condition", async () => {
      const reader = staff('physician', physician.organizationId!);
      await conditionsPage({ first: 5 }, reader);
      const rows = await withSql(db.url, (sql) => sql(`select outcome, record_types, detail from audit.event where actor_id = $1 and action = 'read'`, [reader.userId]));
      expect(rows).toEqual([{ outcome: 'success', record_types: ['Condition'], detail: { records: Math.min(5, theirs.length) } }]);
    });
  });

  describe('conditions by encounter (DataLoader)', () => {
    /** A ClinicalContext for `principal`, as the subgraph server builds it for a request. */
    const contextFor = async (principal: UserPrincipal) => {
      const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
      const requestId = randomUUID();
      return createClinicalContext(createRequestContext({
        service: 'clinical', em: service.orm.em.fork(), principal, log: createLogger('test', 'silent'), requestId,
        policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId }),
      }));
    };

    it("batches each encounter's conditions, newest first, and leaves out those of hidden patients", async () => {
      const byEncounter = new Map<string, FhirCondition[]>();
      for (const c of fixtureConditions) byEncounter.set(ref(c.encounter!.reference), [...(byEncounter.get(ref(c.encounter!.reference)) ?? []), c]);
      const mine = [...byEncounter.keys()].filter((id) => ref(byEncounter.get(id)![0].subject.reference) === patientId);
      const other = [...byEncounter.keys()].find((id) => ref(byEncounter.get(id)![0].subject.reference) !== patientId)!;
      const busiest = mine.sort((a, b) => byEncounter.get(b)!.length - byEncounter.get(a)!.length)[0];

      const ctx = await contextFor(patientUser(patientId));
      const loader = conditionsByEncounter(ctx);
      expect(conditionsByEncounter(ctx)).toBe(loader); // one per request
      const [own, others, unknown, malformed] = await Promise.all([loader.load(busiest), loader.load(other), loader.load(randomUUID()), loader.load('nope')]);
      expect(own.map((c) => c.id).sort()).toEqual(byEncounter.get(busiest)!.map((c) => c.id!.toLowerCase()).sort());
      const dates = own.map((c) => c.recordedAt.toISOString());
      expect(dates).toEqual([...dates].sort().reverse());
      expect(others).toEqual([]); // another patient's: left out
      expect(unknown).toEqual([]);
      expect(malformed).toEqual([]);
      expect(byEncounter.get(other)!.length).toBeGreaterThan(0);
    });
  });

  describe('recordCondition', () => {
    let organizationId: string;
    let clinician: UserPrincipal;
    beforeAll(async () => {
      organizationId = await insertOrganization(db.url);
      clinician = staff('physician', organizationId);
    });
    const record = (input: Record<string, unknown>, principal: UserPrincipal = clinician) => call(service.url, RECORD, { input }, { principal });
    const rowsOf = (id: string) => service.orm.em.fork().count(Condition, { patientId: id });
    const valid = (id: string) => ({
      patientId: id,
      code: { system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' },
      clinicalStatus: 'ACTIVE',
      verificationStatus: 'CONFIRMED',
      onsetAt: '2020-03-01T00:00:00Z',
    });

    it("records a condition for the caller's organization and lists it first", async () => {
      const id = await insertPatient(db.url, [organizationId]);
      const started = Date.now();
      const { data, errors } = await record({ ...valid(id), code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }, category: 'ENCOUNTER_DIAGNOSIS' });
      expect(errors).toBeUndefined();
      const condition = data!.recordCondition;
      expect(condition).toMatchObject({
        code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9', display: null },
        clinicalStatus: 'ACTIVE', verificationStatus: 'CONFIRMED', category: 'ENCOUNTER_DIAGNOSIS',
        onsetAt: '2020-03-01T00:00:00.000Z', abatementAt: null,
        patient: { id }, organization: { id: organizationId }, encounter: null,
      });
      expect(new Date(condition.recordedAt).getTime()).toBeGreaterThanOrEqual(started - 1000);
      // resolved later: a second entry with its abatement, no category (problem list)
      const { data: second } = await record({ ...valid(id), clinicalStatus: 'RESOLVED', abatementAt: '2021-01-01T00:00:00Z' });
      expect(second!.recordCondition).toMatchObject({ clinicalStatus: 'RESOLVED', category: 'PROBLEM_LIST_ITEM', abatementAt: '2021-01-01T00:00:00.000Z' });
      const list = (await callOk(service.url, PATIENT_CONDITIONS, { id }, { principal: clinician }))._entities[0].conditions;
      expect(list.edges.map((e: any) => e.node.id)).toEqual([second!.recordCondition.id, condition.id]);
      const active = (await callOk(service.url, ACTIVE_PROBLEMS, { id }, { principal: clinician }))._entities[0].activeProblems;
      expect(active.edges.map((e: any) => e.node.id)).toEqual([condition.id]);
      const writes = await withSql(db.url, (sql) => sql(`select outcome, record_types, detail from audit.event where patient_id = $1 and action = 'write'`, [id]));
      expect(writes).toEqual([
        { outcome: 'success', record_types: ['Condition'], detail: { operation: 'create' } },
        { outcome: 'success', record_types: ['Condition'], detail: { operation: 'create' } },
      ]);
    });

    it("links it to one of the patient's encounters, and to no other", async () => {
      const id = await insertPatient(db.url, [organizationId]);
      const ENCOUNTER = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id } }`;
      const encounter = (patient: string) => callOk(service.url, ENCOUNTER, { input: { patientId: patient, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-01-01T00:00:00Z' } }, { principal: clinician })
        .then((d) => d.recordEncounter.id as string);
      const own = await encounter(id);
      const { data } = await record({ ...valid(id), encounterId: own });
      expect(data!.recordCondition.encounter).toEqual({ id: own });
      const elsewhere = await encounter(await insertPatient(db.url, [organizationId]));
      for (const encounterId of [elsewhere, randomUUID()]) {
        const response = await record({ ...valid(id), encounterId });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'encounterId' });
      }
      expect(await rowsOf(id)).toBe(1);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await insertPatient(db.url, [organizationId]);
      });
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const cases: [string, Record<string, unknown>, string][] = [
        ['a code system other than SNOMED CT or ICD-10-CM', { code: { system: 'http://loinc.org', code: '4548-4' } }, 'code.system'],
        ['a code without a system', { code: { code: '44054006' } }, 'code.system'],
        ['an empty code', { code: { system: 'http://snomed.info/sct', code: '' } }, 'code.code'],
        ['an onset in the future', { onsetAt: future }, 'onsetAt'],
        ['an abatement before the onset', { clinicalStatus: 'RESOLVED', abatementAt: '2020-02-29T23:59:59Z' }, 'abatementAt'],
        ['an abatement of an active condition', { abatementAt: '2021-01-01T00:00:00Z' }, 'clinicalStatus'],
        ['no clinical status', { clinicalStatus: null }, 'clinicalStatus'],
        ['a clinical status on an entry in error', { verificationStatus: 'ENTERED_IN_ERROR' }, 'clinicalStatus'],
        ['a clinical status outside the value set', { clinicalStatus: 'CURED' }, 'clinicalStatus'],
        ['a patientId that is not a UUID', { patientId: 'patient-1' }, 'patientId'],
        ['an encounterId that is not a UUID', { encounterId: 'visit-1' }, 'encounterId'],
        ['a date that does not exist', { onsetAt: '2023-02-29T00:00:00Z' }, 'onsetAt'],
      ];
      it.each(cases)('%s', async (_label, change, field) => {
        const response = await record({ ...valid(id), ...change });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await rowsOf(id)).toBe(0);
      });

      it('accepts the same input once corrected (the cases fail only for their own reason)', async () => {
        expect((await record(valid(id))).errors).toBeUndefined();
        expect((await record({ ...valid(id), verificationStatus: 'ENTERED_IN_ERROR', clinicalStatus: null })).errors).toBeUndefined();
        expect(await rowsOf(id)).toBe(2);
      });
    });

    it('lets only physicians and nurses record conditions (FORBIDDEN otherwise), and writes nothing', async () => {
      const id = await insertPatient(db.url, [organizationId]);
      for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), staff('compliance', organizationId), patientUser(id)]) {
        expect((await record(valid(id), principal)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      expect(await rowsOf(id)).toBe(0);
      expect((await record(valid(id), staff('nurse', organizationId))).errors).toBeUndefined();
      expect(await rowsOf(id)).toBe(1);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId, and writes nothing', async () => {
      const hidden = await insertPatient(db.url, [await insertOrganization(db.url)]);
      for (const id of [hidden, randomUUID()]) {
        const response = await record(valid(id));
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(id)).toBe(0);
      }
    });

    it('lets a clinician of an organization the patient consented to record, under their own organization', async () => {
      const consented = await insertOrganization(db.url);
      const id = await insertPatient(db.url, [organizationId]);
      await insertConsent(db.url, id, consented, 'clinical');
      const { data, errors } = await record(valid(id), staff('physician', consented));
      expect(errors).toBeUndefined();
      expect(data!.recordCondition.organization).toEqual({ id: consented });
    });
  });
});
