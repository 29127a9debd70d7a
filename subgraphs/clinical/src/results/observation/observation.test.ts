import { randomUUID } from 'node:crypto';
import type { Principal } from '@caregraph/platform';
import type { Encounter as FhirEncounter, Observation as FhirObservation } from '@medplum/fhirtypes';
import { expectRefusedFor, nonClinicalRoles, useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { insertConsent, insertOrganization, insertPatient, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { countStatements } from '../../../../../test/support/statements';
import { fixtureChart, providerOf, refId, resourcesOf } from '../../../../../test/support/synthea';
import { Observation } from './observation.entity';
import { observationsByEncounter } from './observation.loaders';

/** The patient of most tests: 414 observations (15 blood pressures, vitals Synthea files as "vital-sign") from 3 organizations. */
const MAIN = fixtureChart('Coleman_Ortiz');

const ALL_OBSERVATIONS = resourcesOf<FhirObservation>('Observation');
const mainObservations = MAIN.of<FhirObservation>('Observation');
const mainEncounters = MAIN.of<FhirEncounter>('Encounter');
const mainPatientId = MAIN.patientId;
const codeOf = (observation: FhirObservation) => observation.code.coding![0].code!;
const isVital = (observation: FhirObservation) => ['vital-signs', 'vital-sign'].includes(observation.category![0].coding![0].code!);
const newestFirst = (a: FhirObservation, b: FhirObservation) => b.effectiveDateTime!.localeCompare(a.effectiveDateTime!) || a.id!.localeCompare(b.id!);
// a physician of one of the organizations the main patient was seen at (registered there by the import)
const organizationId = MAIN.organizationIds[0];
const physician = staff('physician', organizationId);

describe('clinical subgraph: observations', () => {
  const chart = useChartServices('observations', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const observations = chart.patientList('observations', 'id effectiveAt', { status: 'ObservationStatus', category: 'ObservationCategory' }, { first: 100 });
  const observationsOf = observations.page;
  const allPages = async (id: string, args: Record<string, unknown> = {}) => (await observations.all(id, args)).nodes;
  const FULL = `id status category categories { system code display } code { system code display } effectiveAt effectiveEnd issuedAt
    valueQuantity { value unit unitCode system comparator } valueCodeableConcept { system code display } valueString valueBoolean valueInteger
    components { code { system code display } valueQuantity { value unit unitCode system comparator } valueCodeableConcept { code } }
    interpretation { code } referenceRange { low { value } high { value } text } deviceId deviceName
    patient { id } organization { id } encounter { id }`;

  describe('FHIR import', () => {
    it('imports every Observation of the 17 fixtures, once', async () => {
      expect(ALL_OBSERVATIONS.length).toBe(2756);
      await chart.expectEveryFixtureImported('Observation', Observation);
    });

    it('keeps codes, values, units, categories, times and provenance exactly as the fixtures have them', async () => {
      const rows = new Map((await chart.em().find(Observation, {})).map((row) => [row.id, row]));
      for (const source of ALL_OBSERVATIONS) {
        const row = rows.get(source.id!.toLowerCase())!;
        const encounterId = refId(source.encounter!.reference);
        const quantity = source.valueQuantity;
        const concept = source.valueCodeableConcept?.coding?.[0];
        const sourceCategory = source.category![0].coding![0];
        expect(row).toMatchObject({
          patientId: refId(source.subject!.reference),
          encounterId,
          organizationId: providerOf(source),
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
    });

    it('updates in place when a bundle is imported again', async () => {
      const again = await chart.importFile(MAIN.file);
      expect(again.types.Observation).toMatchObject({ created: 0, updated: mainObservations.length });
      expect(await chart.em().count(Observation, {})).toBe(ALL_OBSERVATIONS.length);
    });

    it('refuses a bundle with an Observation without a code, naming the field, and imports nothing of it', async () => {
      const bundle = structuredClone(MAIN.bundle);
      const broken = bundle.entry!.find((entry) => entry.resource!.resourceType === 'Observation')!.resource as FhirObservation;
      broken.code = { text: 'no coding' };
      broken.id = randomUUID();
      await chart.expectImportRefused(bundle, 'Observation.code');
      expect(await chart.em().count(Observation, { id: broken.id })).toBe(0);
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

      const byOrganization = mainObservations.filter((o) => providerOf(o) === organizationId);
      expect(await count({ organizationId })).toBe(byOrganization.length);

      // a window over the middle third of the patient's history
      const dates = mainObservations.map((o) => new Date(o.effectiveDateTime!).toISOString()).sort();
      const from = dates[Math.floor(dates.length / 3)];
      const to = dates[Math.floor((2 * dates.length) / 3)];
      const inWindow = mainObservations.filter((o) => new Date(o.effectiveDateTime!) >= new Date(from) && new Date(o.effectiveDateTime!) < new Date(to));
      expect(inWindow.length).toBeGreaterThan(0);
      const window = await allPages(mainPatientId, { from, to, code: '29463-7' });
      expect(window.map((node) => node.id).sort()).toEqual(inWindow.filter((o) => codeOf(o) === '29463-7').map((o) => o.id!.toLowerCase()).sort());

      const reversed = await graphql(observations.query, { id: mainPatientId, from: to, to: from });
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
        organization: { id: providerOf(bloodPressure) },
        encounter: { id: encounterId },
      });

      const weight = mainObservations.find((o) => codeOf(o) === '29463-7')!;
      const coded = mainObservations.find((o) => o.valueCodeableConcept)!;
      const entities = await chart.references('Observation', [weight.id!, coded.id!, randomUUID(), 'nope'],
        'id valueQuantity { value unit unitCode system } valueCodeableConcept { system code display }');
      const concept = coded.valueCodeableConcept!.coding![0];
      expect(entities).toEqual([
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
      const { result, statements } = await countStatements([chart.clinical.orm], () => graphqlOk(QUERY, { id: mainPatientId }));
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
      await withSql(chart.db.url, (sql) => sql(`update clinical.observation set status = 'entered-in-error' where id = $1`, [latestWeight.id]));
      try {
        const again = (await graphqlOk(QUERY, { id: mainPatientId }))._entities[0].latestVitals;
        const previous = mainObservations.filter((o) => codeOf(o) === '29463-7').sort(newestFirst)[1];
        expect(again.find((v: any) => v.code.code === '29463-7').id).toBe(previous.id!.toLowerCase());
      } finally {
        await withSql(chart.db.url, (sql) => sql(`update clinical.observation set status = 'final' where id = $1`, [latestWeight.id]));
      }
    });
  });

  describe('access', () => {
    const OBSERVATION: ChartRecordRef = { typename: 'Observation', id: mainObservations[0].id!, patientId: mainPatientId, byId: 'observation', list: 'observations' };
    const seenBy = async (principal: Principal) => ({
      ...(await chart.seenBy(principal, OBSERVATION)),
      vitals: (await chart.patientFields(mainPatientId, 'latestVitals { id }', principal)).latestVitals,
    });
    const NOTHING = { byId: null, entity: null, list: null, vitals: null };

    it('hides every observation from those who may not see the chart, exactly like unknown ones', async () => {
      const id = mainObservations[0].id!.toLowerCase();
      expect(await seenBy(physician)).toMatchObject({ byId: { id }, entity: { id }, list: { totalCount: mainObservations.length } });
      expect(await seenBy(patientUser(mainPatientId))).toMatchObject({ byId: { id }, list: { totalCount: mainObservations.length } });
      for (const principal of [...(await chart.strangers(organizationId)), staff('org_admin', organizationId)]) {
        expect(await seenBy(principal)).toEqual(NOTHING);
      }
      // an unknown patient answers like a hidden one
      expect(await chart.patientFields(randomUUID(), 'observations { totalCount } latestVitals { id }')).toEqual({ observations: null, latestVitals: null });
    });

    it("audits a list read as one 'read' row naming Observation", async () => {
      const reader = staff('physician', organizationId);
      await observationsOf(mainPatientId, { first: 5 }, reader);
      expect(await chart.auditRows({ patientId: mainPatientId, actorId: reader.userId })).toEqual([
        { action: 'read', outcome: 'success', record_types: ['Observation'], purpose: 'treatment', detail: { records: 5 } },
      ]);
    });
  });

  describe('observationsByEncounter (for Encounter fields)', () => {
    it("loads several encounters' observations newest first in one query, and none of a hidden patient", async () => {
      const [a, b] = mainEncounters.filter((encounter) => mainObservations.filter((o) => refId(o.encounter!.reference) === encounter.id!.toLowerCase()).length > 2);
      const expectedOf = (encounter: FhirEncounter) => mainObservations
        .filter((o) => refId(o.encounter!.reference) === encounter.id!.toLowerCase()).sort(newestFirst).map((o) => o.id!.toLowerCase());
      const ctx = await chart.contextFor(physician);
      const { result, statements } = await countStatements([chart.clinical.orm], () =>
        observationsByEncounter(ctx).loadMany([a.id!, b.id!.toUpperCase(), randomUUID(), 'not-a-uuid']));
      expect((result as Observation[][]).map((list) => list.map((o) => o.id))).toEqual([expectedOf(a), expectedOf(b), [], []]);
      expect(statements.filter((sql) => /"observation"/.test(sql))).toHaveLength(1);

      const stranger = await chart.contextFor(staff('physician', await insertOrganization(chart.db.url)));
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
    const rowsOf = (patientId: string) => chart.em().count(Observation, { patientId });
    const newPatient = () => insertPatient(chart.db.url, [organizationId]);

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
      const row = await chart.em().findOneOrFail(Observation, { id: recorded[0].id });
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
      await expectRefusedFor(nonClinicalRoles(organizationId, patientId), (principal) => graphql(RECORD, { input: { patientId, observations: [weight()] } }, principal), 'FORBIDDEN');
      expect(await rowsOf(patientId)).toBe(0);
      await graphqlOk(RECORD, { input: { patientId, observations: [weight()] } }, staff('nurse', organizationId));
      expect(await rowsOf(patientId)).toBe(1);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId, and writes nothing', async () => {
      for (const patientId of await chart.hiddenAndUnknownPatients()) {
        const response = await graphql(RECORD, { input: { patientId, observations: [weight()] } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(patientId)).toBe(0);
      }
    });

    it("links the entry to one of the patient's encounters at the caller's organization only", async () => {
      const patientId = await newPatient();
      const encounterId = await chart.recordEncounter(patientId, organizationId, { periodStart: hoursAgo(3) });
      const linked = (await graphqlOk(RECORD, { input: { patientId, encounterId, observations: [weight()] } })).recordObservations;
      expect(linked[0].encounter).toEqual({ id: encounterId });

      // another patient's encounter, or an unknown one: NOT_FOUND
      const other = await newPatient();
      for (const id of [encounterId, randomUUID()]) {
        const response = await graphql(RECORD, { input: { patientId: other, encounterId: id, observations: [weight()] } });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'encounterId' });
      }
      // a clinician of another organization who may see the chart (consent) cannot file into this organization's encounter
      const elsewhere = await insertOrganization(chart.db.url);
      await insertConsent(chart.db.url, patientId, elsewhere, 'clinical');
      const refused = await graphql(RECORD, { input: { patientId, encounterId, observations: [weight()] } }, staff('physician', elsewhere));
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'encounterId' });
      expect(await rowsOf(patientId)).toBe(1);
      expect(await rowsOf(other)).toBe(0);
    });

    it("audits the entry as one 'write' row in the same transaction", async () => {
      const patientId = await newPatient();
      const writer = staff('physician', organizationId);
      await graphqlOk(RECORD, { input: { patientId, observations: [weight(), bloodPressure()] } }, writer);
      expect(await chart.auditRows({ patientId, actorId: writer.userId, action: 'write' })).toEqual([
        { action: 'write', outcome: 'success', record_types: ['Observation'], purpose: 'treatment', detail: { operation: 'create', records: 2 } },
      ]);
    });
  });
});
