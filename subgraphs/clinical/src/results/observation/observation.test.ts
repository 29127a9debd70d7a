import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  accessDecisionsUrl, ASSERTION_HEADER, createLogger, createRequestContext, remoteAccessPolicy, type Principal, type RunningSubgraph,
} from '@caregraph/platform';
import { createImporter, type ImportSummary } from '@caregraph/tools';
import type { Bundle, Encounter as FhirEncounter, Observation as FhirObservation } from '@medplum/fhirtypes';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { assertionHeaders, graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { countStatements } from '../../../../../test/support/statements';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { clinicalSubgraph } from '../../subgraph';
import { Observation } from './observation.entity';
import { observationsByEncounter } from './observation.loaders';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json')).sort();
const BUNDLES = FILES.map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
/** The patient of most tests: 414 observations (15 blood pressures, vitals Synthea files as "vital-sign") from 3 organizations. */
const MAIN = FILES.findIndex((file) => file.startsWith('Coleman_Ortiz'));

const resourcesOf = <T>(bundle: Bundle, type: string): T[] => (bundle.entry ?? []).map((entry) => entry.resource!).filter((r) => r.resourceType === type) as T[];
const refId = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();

const ALL_OBSERVATIONS = BUNDLES.flatMap((bundle) => resourcesOf<FhirObservation>(bundle, 'Observation'));
const mainObservations = resourcesOf<FhirObservation>(BUNDLES[MAIN], 'Observation');
const mainEncounters = resourcesOf<FhirEncounter>(BUNDLES[MAIN], 'Encounter');
const mainPatientId = resourcesOf<{ id: string }>(BUNDLES[MAIN], 'Patient')[0].id.toLowerCase();
const codeOf = (observation: FhirObservation) => observation.code.coding![0].code!;
const isVital = (observation: FhirObservation) => ['vital-signs', 'vital-sign'].includes(observation.category![0].coding![0].code!);
const newestFirst = (a: FhirObservation, b: FhirObservation) => b.effectiveDateTime!.localeCompare(a.effectiveDateTime!) || a.id!.localeCompare(b.id!);

describe('clinical subgraph: observations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let summary: ImportSummary;
  // a physician of one of the organizations the main patient was seen at (registered there by the import)
  let physician: UserPrincipal;
  let organizationId: string;

  beforeAll(async () => {
    db = await createTestDatabase('observations');
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

  const LIST = `query ($id: ID!, $first: Int, $after: String, $status: ObservationStatus, $category: ObservationCategory, $code: String, $from: DateTimeISO, $to: DateTimeISO, $organizationId: ID) {
    _entities(representations: [{ __typename: "Patient", id: $id }]) {
      ... on Patient { observations(first: $first, after: $after, status: $status, category: $category, code: $code, from: $from, to: $to, organizationId: $organizationId) {
        totalCount edges { node { id effectiveAt } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  const observationsOf = async (id: string, args: Record<string, unknown> = {}, principal: Principal = physician) =>
    (await graphqlOk(LIST, { id, first: 100, ...args }, principal))._entities[0].observations;
  /** Every page of a list, following endCursor. */
  const allPages = async (id: string, args: Record<string, unknown> = {}) => {
    const nodes: { id: string; effectiveAt: string }[] = [];
    let after: string | null = null;
    do {
      const page: any = await observationsOf(id, { ...args, after });
      nodes.push(...page.edges.map((edge: any) => edge.node));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    return nodes;
  };
  const FULL = `id status category categories { system code display } code { system code display } effectiveAt effectiveEnd issuedAt
    valueQuantity { value unit unitCode system comparator } valueCodeableConcept { system code display } valueString valueBoolean valueInteger
    components { code { system code display } valueQuantity { value unit unitCode system comparator } valueCodeableConcept { code } }
    interpretation { code } referenceRange { low { value } high { value } text } deviceId deviceName
    patient { id } organization { id } encounter { id }`;

  describe('FHIR import', () => {
    it('imports every Observation of the 17 fixtures, once', async () => {
      expect(ALL_OBSERVATIONS.length).toBe(2756);
      expect(summary.types.Observation).toMatchObject({ inBundles: ALL_OBSERVATIONS.length, created: ALL_OBSERVATIONS.length, updated: 0, unhandled: 0 });
      expect(await service.orm.em.fork().count(Observation, {})).toBe(ALL_OBSERVATIONS.length);
    });

    it('keeps codes, values, units, categories, times and provenance exactly as the fixtures have them', async () => {
      const rows = new Map((await service.orm.em.fork().find(Observation, {})).map((row) => [row.id, row]));
      for (const bundle of BUNDLES) {
        const encounters = new Map(resourcesOf<FhirEncounter>(bundle, 'Encounter').map((encounter) => [encounter.id!.toLowerCase(), encounter]));
        for (const source of resourcesOf<FhirObservation>(bundle, 'Observation')) {
          const row = rows.get(source.id!.toLowerCase())!;
          const encounterId = refId(source.encounter!.reference);
          const quantity = source.valueQuantity;
          const concept = source.valueCodeableConcept?.coding?.[0];
          const sourceCategory = source.category![0].coding![0];
          expect(row).toMatchObject({
            patientId: refId(source.subject!.reference),
            encounterId,
            organizationId: refId(encounters.get(encounterId)!.serviceProvider!.reference),
            status: source.status,
            code: { system: source.code.coding![0].system, code: codeOf(source), display: source.code.coding![0].display },
            codeValue: codeOf(source),
            categories: [{ system: sourceCategory.system, code: sourceCategory.code, display: sourceCategory.display }],
            category: sourceCategory.code === 'vital-sign' ? 'vital-signs' : sourceCategory.code,
            effectiveAt: new Date(source.effectiveDateTime!),
            issuedAt: new Date(source.issued!),
            valueUnit: quantity?.unit ?? null,
            valueUnitCode: quantity?.code ?? null,
            valueSystem: quantity?.system ?? null,
            valueCodeableConcept: concept ? { system: concept.system, code: concept.code, display: concept.display } : null,
            components: (source.component ?? []).map((component) => ({
              code: { system: component.code.coding![0].system, code: component.code.coding![0].code, display: component.code.coding![0].display },
              quantity: { value: component.valueQuantity!.value, unit: component.valueQuantity!.unit, unitCode: component.valueQuantity!.code, system: component.valueQuantity!.system, comparator: null },
              coding: null,
            })),
            deviceId: null,
          });
          // the exact decimal: the same number, written the shortest way
          if (quantity) expect(row.valueQuantity).toBe(String(quantity.value));
          else expect(row.valueQuantity).toBeNull();
        }
      }
    });

    it('updates in place when a bundle is imported again', async () => {
      const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
      try {
        const again = await importer.importFile(path.join(FIXTURES, FILES[MAIN]));
        expect(again.types.Observation).toMatchObject({ created: 0, updated: mainObservations.length });
      } finally {
        await importer.close();
      }
      expect(await service.orm.em.fork().count(Observation, {})).toBe(ALL_OBSERVATIONS.length);
    });

    it('refuses a bundle with an Observation without a code, naming the field, and imports nothing of it', async () => {
      const bundle = structuredClone(BUNDLES[MAIN]);
      const broken = bundle.entry!.find((entry) => entry.resource!.resourceType === 'Observation')!.resource as FhirObservation;
      broken.code = { text: 'no coding' };
      broken.id = randomUUID();
      const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
      try {
        await expect(importer.importBundle(bundle, 'broken.json')).rejects.toThrow(/Observation\.code/);
      } finally {
        await importer.close();
      }
      expect(await service.orm.em.fork().count(Observation, { id: broken.id })).toBe(0);
    });
  });

  describe('reads', () => {
    it("lists the patient's observations from every organization newest first, paging without repeats", async () => {
      const nodes = await allPages(mainPatientId);
      expect(nodes).toHaveLength(mainObservations.length);
      expect(new Set(nodes.map((node) => node.id))).toEqual(new Set(mainObservations.map((o) => o.id!.toLowerCase())));
      expect(nodes.map((node) => node.id)).toEqual([...mainObservations].sort(newestFirst).map((o) => o.id!.toLowerCase()));
      const organizations = new Set(mainEncounters.map((encounter) => refId(encounter.serviceProvider!.reference)));
      expect(organizations.size).toBe(3);
      expect((await observationsOf(mainPatientId, { first: 1 })).totalCount).toBe(mainObservations.length);
    });

    it('filters by category, code, status, organization and a [from, to) window', async () => {
      const count = async (args: Record<string, unknown>) => (await observationsOf(mainPatientId, { ...args, first: 1 })).totalCount;
      expect(await count({ category: 'VITAL_SIGNS' })).toBe(mainObservations.filter(isVital).length);
      expect(await count({ category: 'LABORATORY' })).toBe(mainObservations.filter((o) => o.category![0].coding![0].code === 'laboratory').length);
      expect(await count({ code: '29463-7' })).toBe(mainObservations.filter((o) => codeOf(o) === '29463-7').length);
      expect(await count({ status: 'FINAL' })).toBe(mainObservations.length);
      expect(await count({ status: 'AMENDED' })).toBe(0);

      const byOrganization = mainObservations.filter((o) => {
        const encounter = mainEncounters.find((e) => e.id!.toLowerCase() === refId(o.encounter!.reference))!;
        return refId(encounter.serviceProvider!.reference) === organizationId;
      });
      expect(await count({ organizationId })).toBe(byOrganization.length);

      // a window over the middle third of the patient's history
      const dates = mainObservations.map((o) => new Date(o.effectiveDateTime!).toISOString()).sort();
      const from = dates[Math.floor(dates.length / 3)];
      const to = dates[Math.floor((2 * dates.length) / 3)];
      const inWindow = mainObservations.filter((o) => new Date(o.effectiveDateTime!) >= new Date(from) && new Date(o.effectiveDateTime!) < new Date(to));
      expect(inWindow.length).toBeGreaterThan(0);
      const window = await allPages(mainPatientId, { from, to, code: '29463-7' });
      expect(window.map((node) => node.id).sort()).toEqual(inWindow.filter((o) => codeOf(o) === '29463-7').map((o) => o.id!.toLowerCase()).sort());

      const reversed = await graphql(LIST, { id: mainPatientId, from: to, to: from });
      expect(reversed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    });

    it('serves one observation by id with its value, components and federated references', async () => {
      const bloodPressure = mainObservations.find((o) => codeOf(o) === '55284-4')!;
      const { observation } = await graphqlOk(`query ($id: ID!) { observation(id: $id) { ${FULL} } }`, { id: bloodPressure.id });
      const [first, second] = bloodPressure.component!;
      const encounterId = refId(bloodPressure.encounter!.reference);
      expect(observation).toEqual({
        id: bloodPressure.id!.toLowerCase(),
        status: 'FINAL',
        category: 'VITAL_SIGNS',
        categories: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'vital-signs' }],
        code: { system: 'http://loinc.org', code: '55284-4', display: bloodPressure.code.coding![0].display },
        effectiveAt: new Date(bloodPressure.effectiveDateTime!).toISOString(),
        effectiveEnd: null,
        issuedAt: new Date(bloodPressure.issued!).toISOString(),
        valueQuantity: null,
        valueCodeableConcept: null,
        valueString: null,
        valueBoolean: null,
        valueInteger: null,
        components: [first, second].map((component) => ({
          code: { system: 'http://loinc.org', code: component.code.coding![0].code, display: component.code.coding![0].display },
          valueQuantity: { value: component.valueQuantity!.value, unit: 'mm[Hg]', unitCode: 'mm[Hg]', system: 'http://unitsofmeasure.org', comparator: null },
          valueCodeableConcept: null,
        })),
        interpretation: [],
        referenceRange: [],
        deviceId: null,
        deviceName: null,
        patient: { id: mainPatientId },
        organization: { id: refId(mainEncounters.find((e) => e.id!.toLowerCase() === encounterId)!.serviceProvider!.reference) },
        encounter: { id: encounterId },
      });

      const weight = mainObservations.find((o) => codeOf(o) === '29463-7')!;
      const coded = mainObservations.find((o) => o.valueCodeableConcept)!;
      const data = await graphqlOk(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Observation { id valueQuantity { value unit unitCode system } valueCodeableConcept { system code display } } } }`, {
        reps: [{ __typename: 'Observation', id: weight.id }, { __typename: 'Observation', id: coded.id }, { __typename: 'Observation', id: randomUUID() }, { __typename: 'Observation', id: 'nope' }],
      });
      const concept = coded.valueCodeableConcept!.coding![0];
      expect(data._entities).toEqual([
        { id: weight.id!.toLowerCase(), valueQuantity: { value: weight.valueQuantity!.value, unit: 'kg', unitCode: 'kg', system: 'http://unitsofmeasure.org' }, valueCodeableConcept: null },
        { id: coded.id!.toLowerCase(), valueQuantity: null, valueCodeableConcept: { system: concept.system, code: concept.code, display: concept.display } },
        null,
        null,
      ]);
    });

    it('answers latestVitals with the newest vital sign per code, in one SQL statement', async () => {
      const expected = new Map<string, FhirObservation>();
      for (const observation of [...mainObservations].filter(isVital).sort(newestFirst)) if (!expected.has(codeOf(observation))) expected.set(codeOf(observation), observation);
      const QUERY = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { latestVitals { id code { code } effectiveAt valueQuantity { value unit } components { valueQuantity { value } } } } } }`;
      const { result, statements } = await countStatements([service.orm], () => graphqlOk(QUERY, { id: mainPatientId }));
      const vitals = result._entities[0].latestVitals;
      expect(vitals.map((v: any) => v.code.code)).toEqual([...expected.keys()].sort());
      for (const vital of vitals) {
        const source = expected.get(vital.code.code)!;
        expect(vital.id).toBe(source.id!.toLowerCase());
        expect(vital.effectiveAt).toBe(new Date(source.effectiveDateTime!).toISOString());
        expect(vital.valueQuantity).toEqual(source.valueQuantity ? { value: source.valueQuantity.value, unit: source.valueQuantity.unit } : null);
      }
      expect(expected.has('55284-4')).toBe(true);
      expect(statements.filter((sql) => /"observation"/.test(sql))).toHaveLength(1);
      // an entry in error is no vital sign: the one before it takes its place
      const latestWeight = expected.get('29463-7')!;
      await withSql(db.url, (sql) => sql(`update clinical.observation set status = 'entered-in-error' where id = $1`, [latestWeight.id]));
      try {
        const again = (await graphqlOk(QUERY, { id: mainPatientId }))._entities[0].latestVitals;
        const previous = mainObservations.filter((o) => codeOf(o) === '29463-7').sort(newestFirst)[1];
        expect(again.find((v: any) => v.code.code === '29463-7').id).toBe(previous.id!.toLowerCase());
      } finally {
        await withSql(db.url, (sql) => sql(`update clinical.observation set status = 'final' where id = $1`, [latestWeight.id]));
      }
    });
  });

  describe('access', () => {
    const ENTITIES = `query ($patient: ID!, $id: ID!) {
      byId: observation(id: $id) { id }
      refs: _entities(representations: [{ __typename: "Observation", id: $id }, { __typename: "Patient", id: $patient }]) {
        ... on Observation { id } ... on Patient { observations(first: 1) { totalCount } latestVitals { id } } }
    }`;
    const seenBy = async (principal: Principal) => {
      const data = await graphqlOk(ENTITIES, { patient: mainPatientId, id: mainObservations[0].id }, principal);
      return { byId: data.byId, entity: data.refs[0], list: data.refs[1].observations, vitals: data.refs[1].latestVitals };
    };
    const NOTHING = { byId: null, entity: null, list: null, vitals: null };

    it('hides every observation from those who may not see the chart, exactly like unknown ones', async () => {
      const id = mainObservations[0].id!.toLowerCase();
      expect(await seenBy(physician)).toMatchObject({ byId: { id }, entity: { id }, list: { totalCount: mainObservations.length } });
      expect(await seenBy(patientUser(mainPatientId))).toMatchObject({ byId: { id }, list: { totalCount: mainObservations.length } });
      const elsewhere = await insertOrganization(db.url);
      for (const principal of [staff('physician', elsewhere), staff('billing', organizationId), staff('org_admin', organizationId), patientUser(randomUUID())]) {
        expect(await seenBy(principal)).toEqual(NOTHING);
      }
      // an unknown patient answers like a hidden one
      const unknown = await graphqlOk(`query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { observations { totalCount } latestVitals { id } } } }`, { id: randomUUID() });
      expect(unknown._entities).toEqual([{ observations: null, latestVitals: null }]);
    });

    it("audits a list read as one 'read' row naming Observation", async () => {
      const reader = staff('physician', organizationId);
      await observationsOf(mainPatientId, { first: 5 }, reader);
      const rows = await withSql(db.url, (sql) => sql(`select action, outcome, record_types, detail from audit.event where patient_id = $1 and actor_id = $2`, [mainPatientId, reader.userId]));
      expect(rows).toEqual([{ action: 'read', outcome: 'success', record_types: ['Observation'], detail: { records: 5 } }]);
    });
  });

  describe('observationsByEncounter (for Encounter fields)', () => {
    /** A request context as the subgraph builds it, asking the real access policy for `principal`. */
    const contextFor = async (principal: UserPrincipal) => {
      const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
      return createRequestContext({
        service: 'clinical', em: service.orm.em.fork(), principal, log: createLogger('test', 'silent'), requestId: randomUUID(),
        policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId: 'test' }),
      });
    };

    it("loads several encounters' observations newest first in one query, and none of a hidden patient", async () => {
      const [a, b] = mainEncounters.filter((encounter) => mainObservations.filter((o) => refId(o.encounter!.reference) === encounter.id!.toLowerCase()).length > 2);
      const expectedOf = (encounter: FhirEncounter) => mainObservations
        .filter((o) => refId(o.encounter!.reference) === encounter.id!.toLowerCase()).sort(newestFirst).map((o) => o.id!.toLowerCase());
      const ctx = await contextFor(physician);
      const { result, statements } = await countStatements([service.orm], () =>
        observationsByEncounter(ctx).loadMany([a.id!, b.id!.toUpperCase(), randomUUID(), 'not-a-uuid']));
      expect((result as Observation[][]).map((list) => list.map((o) => o.id))).toEqual([expectedOf(a), expectedOf(b), [], []]);
      expect(statements.filter((sql) => /"observation"/.test(sql))).toHaveLength(1);

      const stranger = await contextFor(staff('physician', await insertOrganization(db.url)));
      expect(await observationsByEncounter(stranger).load(a.id!)).toEqual([]);
    });
  });

  describe('recordObservations', () => {
    const RECORD = `mutation ($input: RecordObservationsInput!) { recordObservations(input: $input) {
      id status category code { system code } effectiveAt valueQuantity { value unit unitCode system } valueString valueBoolean valueInteger
      components { code { code } valueQuantity { value unit } } organization { id } encounter { id } } }`;
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000).toISOString();
    const loinc = (code: string) => ({ system: 'http://loinc.org', code });
    const weight = (value = 72.5) => ({ code: loinc('29463-7'), effectiveAt: hoursAgo(1), value, unit: 'kg' });
    const bloodPressure = (systolic = 128, diastolic = 82) => ({
      code: loinc('85354-9'), effectiveAt: hoursAgo(1),
      components: [{ code: loinc('8480-6'), value: systolic, unit: 'mm[Hg]' }, { code: loinc('8462-4'), value: diastolic, unit: 'mm[Hg]' }],
    });
    const rowsOf = (patientId: string) => service.orm.em.fork().count(Observation, { patientId });
    const newPatient = () => insertPatient(db.url, [organizationId]);

    it('records a vitals entry with exact values and UCUM units at the caller\'s organization, and shows it as the latest vitals', async () => {
      const patientId = await newPatient();
      const entry = [
        weight(81.25),
        { code: loinc('8302-2'), effectiveAt: hoursAgo(1), value: 180.3, unit: 'cm' },
        bloodPressure(131, 79),
        { code: loinc('8867-4'), effectiveAt: hoursAgo(1), value: 64, unit: '/min' },
        { code: loinc('8310-5'), effectiveAt: hoursAgo(1), value: 37.2, unit: 'Cel' },
        { code: loinc('59408-5'), effectiveAt: hoursAgo(1), value: 97, unit: '%' },
        { code: loinc('4548-4'), effectiveAt: hoursAgo(2), value: 6.4, unit: '%' },
        { code: loinc('72514-3'), category: 'SURVEY', effectiveAt: hoursAgo(1), valueInteger: 3 },
      ];
      const recorded = (await graphqlOk(RECORD, { input: { patientId, observations: entry } })).recordObservations;
      expect(recorded).toHaveLength(entry.length);
      expect(recorded[0]).toMatchObject({ status: 'FINAL', category: 'VITAL_SIGNS', code: loinc('29463-7'), valueQuantity: { value: 81.25, unit: 'kg', unitCode: 'kg', system: 'http://unitsofmeasure.org' }, organization: { id: organizationId }, encounter: null });
      expect(recorded[2]).toMatchObject({ valueQuantity: null, components: [{ code: { code: '8480-6' }, valueQuantity: { value: 131, unit: 'mm[Hg]' } }, { code: { code: '8462-4' }, valueQuantity: { value: 79, unit: 'mm[Hg]' } }] });
      expect(recorded[6]).toMatchObject({ category: 'LABORATORY', valueQuantity: { value: 6.4, unit: '%' } });
      expect(recorded[7]).toMatchObject({ category: 'SURVEY', valueInteger: 3, valueQuantity: null });
      const row = await service.orm.em.fork().findOneOrFail(Observation, { id: recorded[0].id });
      expect(row.valueQuantity).toBe('81.25');

      const vitals = (await graphqlOk(`query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { latestVitals { id } } } }`, { id: patientId }))._entities[0].latestVitals;
      expect(vitals.map((v: any) => v.id).sort()).toEqual(recorded.slice(0, 6).map((o: any) => o.id).sort());
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes none of the batch', () => {
      let patientId: string;
      beforeAll(async () => { patientId = await newPatient(); });
      const future = new Date(Date.now() + 3600_000).toISOString();
      // each batch: two valid entries first, the bad one third (so nothing partial may stay behind)
      const cases: [string, Record<string, unknown>, string][] = [
        ['a code that is not LOINC', { code: { system: 'http://snomed.info/sct', code: '27113001' }, effectiveAt: hoursAgo(1), value: 70, unit: 'kg' }, 'observations[2].code.system'],
        ['a LOINC code with a wrong check digit', { ...weight(), code: loinc('29463-8') }, 'observations[2].code.code'],
        ['a weight in pounds', { ...weight(), unit: '[lb_av]' }, 'observations[2].unit'],
        ['a weight of 0 kg', weight(0), 'observations[2].value'],
        ['a weight of 700 kg', weight(700), 'observations[2].value'],
        ['a weight of 812.37 kg', weight(812.37), 'observations[2].value'],
        ['a temperature of 46.2 Cel', { code: loinc('8310-5'), effectiveAt: hoursAgo(1), value: 46.2, unit: 'Cel' }, 'observations[2].value'],
        ['a temperature of 24.9 Cel', { code: loinc('8310-5'), effectiveAt: hoursAgo(1), value: 24.9, unit: 'Cel' }, 'observations[2].value'],
        ['a temperature in Fahrenheit', { code: loinc('8310-5'), effectiveAt: hoursAgo(1), value: 98.6, unit: '[degF]' }, 'observations[2].unit'],
        ['a heart rate of 351.5/min', { code: loinc('8867-4'), effectiveAt: hoursAgo(1), value: 351.5, unit: '/min' }, 'observations[2].value'],
        ['a heart rate of 9/min', { code: loinc('8867-4'), effectiveAt: hoursAgo(1), value: 9, unit: '/min' }, 'observations[2].value'],
        ['a systolic pressure of 301.5', bloodPressure(301.5, 80), 'observations[2].components[0].value'],
        ['a diastolic pressure of 9', bloodPressure(120, 9), 'observations[2].components[1].value'],
        ['a diastolic pressure above the systolic', bloodPressure(90, 95), 'observations[2].components[1].value'],
        ['a blood pressure without its diastolic', { ...bloodPressure(), components: [bloodPressure().components[0]] }, 'observations[2].components'],
        ['a blood pressure in kPa', { ...bloodPressure(), components: [bloodPressure().components[0], { code: loinc('8462-4'), value: 10, unit: 'kPa' }] }, 'observations[2].components[1].unit'],
        ['a blood pressure with a value of its own', { ...bloodPressure(), value: 120, unit: 'mm[Hg]' }, 'observations[2].value'],
        ['a weight without a value', { code: loinc('29463-7'), effectiveAt: hoursAgo(1) }, 'observations[2].value'],
        ['a measurement without a unit', { code: loinc('72514-3'), category: 'SURVEY', effectiveAt: hoursAgo(1), value: 3 }, 'observations[2].unit'],
        ['two values', { code: loinc('72514-3'), category: 'SURVEY', effectiveAt: hoursAgo(1), valueInteger: 3, valueString: 'three' }, 'observations[2].value'],
        ['another code without a category', { code: loinc('72514-3'), effectiveAt: hoursAgo(1), valueInteger: 3 }, 'observations[2].category'],
        ['a weight filed as a lab result', { ...weight(), category: 'LABORATORY' }, 'observations[2].category'],
        ['an effective time in the future', { ...weight(), effectiveAt: future }, 'observations[2].effectiveAt'],
        ['an effective time without a time zone', { ...weight(), effectiveAt: '2024-01-01T10:00:00' }, 'observations[2].effectiveAt'],
        ['a unit that is not a UCUM code', { ...weight(), unit: 'kilo grams' }, 'observations[2].unit'],
      ];
      it.each(cases)('%s', async (_label, bad, field) => {
        const response = await graphql(RECORD, { input: { patientId, observations: [weight(), bloodPressure(), bad] } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        // the value never comes back in the message (the distinctive ones above)
        expect(response.errors?.[0].message).not.toMatch(/812\.37|46\.2|24\.9|351\.5|301\.5|98\.6/);
        expect(await rowsOf(patientId)).toBe(0);
      });

      it('refuses an empty batch and a patientId that is not a UUID', async () => {
        expect((await graphql(RECORD, { input: { patientId, observations: [] } })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'observations' });
        expect((await graphql(RECORD, { input: { patientId: 'p-1', observations: [weight()] } })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });
      });

      it('accepts the same batch once corrected (the cases above fail only for their own reason)', async () => {
        await graphqlOk(RECORD, { input: { patientId, observations: [weight(), bloodPressure(), weight(699.9)] } });
        expect(await rowsOf(patientId)).toBe(3);
      });
    });

    it('lets only physicians and nurses record (FORBIDDEN otherwise), and writes nothing', async () => {
      const patientId = await newPatient();
      for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), staff('compliance', organizationId), patientUser(patientId)]) {
        const response = await graphql(RECORD, { input: { patientId, observations: [weight()] } }, principal);
        expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      expect(await rowsOf(patientId)).toBe(0);
      await graphqlOk(RECORD, { input: { patientId, observations: [weight()] } }, staff('nurse', organizationId));
      expect(await rowsOf(patientId)).toBe(1);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId, and writes nothing', async () => {
      const hidden = await insertPatient(db.url, [await insertOrganization(db.url)]);
      for (const patientId of [hidden, randomUUID()]) {
        const response = await graphql(RECORD, { input: { patientId, observations: [weight()] } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(patientId)).toBe(0);
      }
    });

    it("links the entry to one of the patient's encounters at the caller's organization only", async () => {
      const patientId = await newPatient();
      const ENCOUNTER = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id } }`;
      const { id: encounterId } = (await graphqlOk(ENCOUNTER, { input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: hoursAgo(3) } })).recordEncounter;
      const linked = (await graphqlOk(RECORD, { input: { patientId, encounterId, observations: [weight()] } })).recordObservations;
      expect(linked[0].encounter).toEqual({ id: encounterId });

      // another patient's encounter, or an unknown one: NOT_FOUND
      const other = await newPatient();
      for (const id of [encounterId, randomUUID()]) {
        const response = await graphql(RECORD, { input: { patientId: other, encounterId: id, observations: [weight()] } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'encounterId' });
      }
      // a clinician of another organization who may see the chart (consent) cannot file into this organization's encounter
      const elsewhere = await insertOrganization(db.url);
      await insertConsent(db.url, patientId, elsewhere, 'clinical');
      const refused = await graphql(RECORD, { input: { patientId, encounterId, observations: [weight()] } }, staff('physician', elsewhere));
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'encounterId' });
      expect(await rowsOf(patientId)).toBe(1);
      expect(await rowsOf(other)).toBe(0);
    });

    it("audits the entry as one 'write' row in the same transaction", async () => {
      const patientId = await newPatient();
      const writer = staff('physician', organizationId);
      await graphqlOk(RECORD, { input: { patientId, observations: [weight(), bloodPressure()] } }, writer);
      const rows = await withSql(db.url, (sql) => sql(`select action, outcome, record_types, detail from audit.event where patient_id = $1 and actor_id = $2 and action = 'write'`, [patientId, writer.userId]));
      expect(rows).toEqual([{ action: 'write', outcome: 'success', record_types: ['Observation'], detail: { operation: 'create', records: 2 } }]);
    });
  });
});
