import { randomUUID } from 'node:crypto';
import { resourceId } from '@caregraph/platform';
import type { Dosage, MedicationRequest as FhirMedicationRequest } from '@medplum/fhirtypes';
import { expectOnlyDenied, expectRefusedFor, nonClinicalRoles, useChartServices } from '../../../../../test/support/chart-services';
import { insertOrganization, insertPatient, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { chartOfPatient, enumValue, fixtureCharts, patientWithMost, providerOf, refId, resourcesOf, type FixtureChart } from '../../../../../test/support/synthea';
import { MedicationRequest } from './medication-request.entity';
import { dosageText } from './dosage';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const FIELDS = `id status intent authoredOn dosageText code { system code display } reasons { system code display } reasonRecordIds
  requester { id } encounter { id } organization { id } patient { id } createdAt updatedAt`;
const BY_ID = `query ($id: ID!) { medicationRequest(id: $id) { ${FIELDS} } }`;
const PRESCRIBE = `mutation ($input: PrescribeMedicationInput!) { prescribeMedication(input: $input) { ${FIELDS} } }`;

/** What the fixtures' dosage instructions must read as (every shape Synthea writes). */
function expectedDosageText(dosage: Dosage[] | undefined): string | null {
  if (!dosage?.length) return null;
  const [d] = dosage;
  if (d.asNeededBoolean) return 'as needed';
  const repeat = d.timing!.repeat!;
  if (repeat.frequency === 1 && repeat.period === 1 && repeat.periodUnit === 'd' && !d.additionalInstruction) return '1 dose once a day';
  if (repeat.frequency === 1 && repeat.period === 4 && repeat.periodUnit === 'h') return '1 dose every 4 hours';
  if (repeat.frequency === 2 && repeat.period === 1 && repeat.periodUnit === 'd') return '1 dose twice a day. Take at regular intervals. Complete the prescribed course unless otherwise directed.';
  throw new Error(`a dosage shape this test does not know: ${JSON.stringify(d)}`);
}

/** The fields the API must return for a fixture MedicationRequest. */
function expectedNode(source: FhirMedicationRequest, chart: FixtureChart) {
  const coding = source.medicationCodeableConcept!.coding![0];
  return {
    id: resourceId('MedicationRequest', source.id!),
    status: enumValue(source.status),
    intent: enumValue(source.intent),
    authoredOn: new Date(source.authoredOn!).toISOString(),
    dosageText: expectedDosageText(source.dosageInstruction),
    code: { system: coding.system, code: coding.code, display: coding.display },
    reasons: [],
    reasonRecordIds: (source.reasonReference ?? []).map((r) => refId(r.reference)),
    requester: { id: refId(source.requester!.reference) },
    encounter: { id: refId(source.encounter!.reference) },
    organization: { id: providerOf(source) },
    patient: { id: chart.patientId },
  };
}

/** Newest first by authoredOn, ties by id (the list's order). */
const newestFirst = (a: { authoredOn: string; id: string }, b: { authoredOn: string; id: string }) =>
  b.authoredOn.localeCompare(a.authoredOn) || a.id.localeCompare(b.id);

describe('clinical subgraph: medication requests', () => {
  // the fixture patient with the most medication requests, read by a physician of one of their providers
  const subject = chartOfPatient(patientWithMost('MedicationRequest'));
  const subjectRequests = subject.of<FhirMedicationRequest>('MedicationRequest');
  const physician = staff('physician', subject.organizationIds[0]);
  const chart = useChartServices('medication_requests', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const requests = chart.patientList('medicationRequests', FIELDS, { status: 'MedicationRequestStatus' });
  const activeMedications = chart.patientList('activeMedications', 'id status authoredOn');
  const requestsOf = requests.page;
  const rowsOf = (patientId: string) =>
    withSql(chart.db.url, (sql) => sql('select count(*)::int as n from clinical.medication_request where patient_id = $1', [patientId])).then((r) => r[0].n as number);

  describe('FHIR import', () => {
    it('imports every MedicationRequest of the 17 fixtures once', async () => {
      expect(resourcesOf('MedicationRequest')).toHaveLength(152);
      await chart.expectEveryFixtureImported('MedicationRequest', MedicationRequest);
    });

    it('stores every field exactly as the fixtures have it (codes, dates, requester, reasons, raw dosage)', async () => {
      const rows = new Map((await withSql(chart.db.url, (sql) => sql('select * from clinical.medication_request'))).map((row) => [row.id, row]));
      let checked = 0;
      for (const source of fixtureCharts().flatMap((c) => c.of<FhirMedicationRequest>('MedicationRequest').map((r) => ({ r, c })))) {
        const expected = expectedNode(source.r, source.c);
        const row = rows.get(expected.id);
        expect({
          id: row.id, status: row.status, intent: row.intent, code: row.code, code_value: row.code_value, authored_on: row.authored_on.toISOString(),
          requester: row.requester_practitioner_id, encounter: row.encounter_id, organization: row.organization_id, patient: row.patient_id,
          dosage: row.dosage, dosage_text: row.dosage_text, reasons: row.reasons, reason_record_ids: row.reason_record_ids,
        }).toEqual({
          id: expected.id, status: source.r.status, intent: source.r.intent, code: expected.code, code_value: expected.code.code, authored_on: expected.authoredOn,
          requester: expected.requester.id, encounter: expected.encounter.id, organization: expected.organization.id, patient: expected.patient.id,
          dosage: source.r.dosageInstruction ?? [], dosage_text: expected.dosageText, reasons: [], reason_record_ids: expected.reasonRecordIds,
        });
        checked += 1;
      }
      expect(checked).toBe(152);
    });

    it('keeps a dosage text as written, renders timing/as-needed without text, and keeps reasonCode codings; a Medication of the bundle gives the code', async () => {
      const organizationId = randomUUID();
      const patientFhirId = randomUUID();
      const encounterFhirId = randomUUID();
      const medicationFhirId = randomUUID();
      const ids = [randomUUID(), randomUUID()];
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: `urn:uuid:${patientFhirId}`, resource: { resourceType: 'Patient', id: patientFhirId, name: [{ family: 'Test', given: ['Dosage'] }], gender: 'female', birthDate: '1970-01-01' } },
          { fullUrl: `urn:uuid:${organizationId}`, resource: { resourceType: 'Organization', id: organizationId, name: 'Dosage Test Clinic' } },
          { fullUrl: `urn:uuid:${encounterFhirId}`, resource: {
            resourceType: 'Encounter', id: encounterFhirId, status: 'finished', class: { code: 'AMB' }, subject: { reference: `urn:uuid:${patientFhirId}` },
            serviceProvider: { reference: `urn:uuid:${organizationId}` }, period: { start: '2020-05-01T10:00:00Z', end: '2020-05-01T10:30:00Z' } } },
          { fullUrl: `urn:uuid:${medicationFhirId}`, resource: { resourceType: 'Medication', id: medicationFhirId, code: { coding: [
            { system: 'http://example.org/local', code: 'L-1' }, { system: RXNORM, code: '197361', display: 'Amlodipine 5 MG Oral Tablet' }] } } },
          { fullUrl: `urn:uuid:${ids[0]}`, resource: {
            resourceType: 'MedicationRequest', id: ids[0], status: 'on-hold', intent: 'plan', subject: { reference: `urn:uuid:${patientFhirId}` },
            encounter: { reference: `urn:uuid:${encounterFhirId}` }, authoredOn: '2020-05-01T10:15:00+02:00',
            medicationReference: { reference: `urn:uuid:${medicationFhirId}` },
            reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }] }],
            dosageInstruction: [{ sequence: 1, text: 'One tablet every morning', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }] } },
          { fullUrl: `urn:uuid:${ids[1]}`, resource: {
            resourceType: 'MedicationRequest', id: ids[1], status: 'draft', intent: 'proposal', subject: { reference: `urn:uuid:${patientFhirId}` },
            encounter: { reference: `urn:uuid:${encounterFhirId}` }, // no authoredOn: the encounter's start
            medicationCodeableConcept: { coding: [{ system: RXNORM, code: '313782', display: 'Acetaminophen 325 MG Oral Tablet' }] },
            dosageInstruction: [
              { sequence: 1, doseAndRate: [{ doseQuantity: { value: 2, unit: 'tablet' } }], timing: { repeat: { frequency: 3, period: 1, periodUnit: 'd' } },
                asNeededCodeableConcept: { text: 'pain' } },
              { sequence: 2, timing: { code: { text: 'at bedtime' } } },
            ] } },
        ],
      };
      await chart.importBundle(bundle, 'dosage.json');
      const patientId = resourceId('Patient', patientFhirId);
      const { medicationRequest: first } = await graphqlOk(BY_ID, { id: ids[0] }, patientUser(patientId));
      expect(first).toMatchObject({
        status: 'ON_HOLD', intent: 'PLAN', authoredOn: '2020-05-01T08:15:00.000Z', dosageText: 'One tablet every morning',
        code: { system: RXNORM, code: '197361', display: 'Amlodipine 5 MG Oral Tablet' },
        reasons: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }],
        reasonRecordIds: [], requester: null, organization: { id: organizationId }, encounter: { id: encounterFhirId },
      });
      const { medicationRequest: second } = await graphqlOk(BY_ID, { id: ids[1] }, patientUser(patientId));
      expect(second).toMatchObject({ status: 'DRAFT', intent: 'PROPOSAL', authoredOn: '2020-05-01T10:00:00.000Z', dosageText: '2 tablet 3 times a day as needed for pain; then at bedtime' });
    });

    it('rejects a bundle with a MedicationRequest status outside FHIR, naming the field, and imports nothing of it', async () => {
      const source = fixtureCharts().find((c) => c.of('MedicationRequest').length > 0 && c.of('MedicationRequest').length < 10)!;
      const before = await withSql(chart.db.url, (sql) => sql('select id, status, updated_at from clinical.medication_request order by id'));
      const bundle = structuredClone(source.bundle);
      const bad = bundle.entry!.filter((e) => e.resource!.resourceType === 'MedicationRequest').at(-1)!.resource as FhirMedicationRequest;
      (bad as { status: string }).status = 'paused';
      await chart.expectImportRefused(bundle, 'MedicationRequest.status');
      expect(await withSql(chart.db.url, (sql) => sql('select id, status, updated_at from clinical.medication_request order by id'))).toEqual(before);
    });
  });

  describe('dosage rendering', () => {
    it.each<[string, Dosage[], string | null]>([
      ['no instructions', [], null],
      ['the text when there is one', [{ text: '  Two puffs when short of breath ', asNeededBoolean: true }], 'Two puffs when short of breath'],
      ['once an hour', [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'h' } } }], 'once an hour'],
      ['several times a week', [{ timing: { repeat: { frequency: 3, period: 1, periodUnit: 'wk' } } }], '3 times a week'],
      ['several times every few days', [{ timing: { repeat: { frequency: 3, period: 2, periodUnit: 'd' } } }], '3 times every 2 days'],
      ['a dose with a unit', [{ doseAndRate: [{ doseQuantity: { value: 500, unit: 'mg' } }], timing: { repeat: { frequency: 2, period: 1, periodUnit: 'd' } } }], '500 mg twice a day'],
      ['nothing readable', [{ sequence: 1, asNeededBoolean: false }], null],
      ['same-step instructions joined without "then"', [{ sequence: 1, text: 'A' }, { sequence: 1, text: 'B' }], 'A; B'],
      ['steps in sequence order', [{ sequence: 2, text: 'then less' }, { sequence: 1, text: 'first more' }], 'first more; then then less'],
    ])('%s', (_name, dosage, expected) => {
      expect(dosageText(dosage)).toBe(expected);
    });
  });

  describe('reads', () => {
    it("lists the patient's requests newest first, page by page without repeats, each exactly as in the fixture", async () => {
      expect(subjectRequests.length).toBeGreaterThan(5);
      const { nodes, pages } = await requests.all(subject.patientId, { first: 4 });
      expect(pages).toHaveLength(Math.ceil(subjectRequests.length / 4));
      expect(nodes.map((n) => n.id)).toEqual([...new Set(nodes.map((n) => n.id))]);
      const expected = subjectRequests.map((r) => expectedNode(r, subject)).sort(newestFirst);
      expect(nodes.map(({ createdAt, updatedAt, ...rest }) => rest)).toEqual(expected);
      expect((await requestsOf(subject.patientId, { first: 1 })).totalCount).toBe(subjectRequests.length);
    });

    it('filters by status, code, organization and an authoredOn window', async () => {
      const expectedIds = (keep: (r: FhirMedicationRequest) => boolean) =>
        subjectRequests.filter(keep).map((r) => expectedNode(r, subject)).sort(newestFirst).map((n) => n.id);
      const ids = async (args: Record<string, unknown>) => (await requestsOf(subject.patientId, { first: 100, ...args })).edges.map((e: any) => e.node.id);

      const stopped = expectedIds((r) => r.status === 'stopped');
      expect(stopped.length).toBeGreaterThan(0);
      expect(await ids({ status: 'STOPPED' })).toEqual(stopped);
      expect(await ids({ status: 'ACTIVE' })).toEqual(expectedIds((r) => r.status === 'active'));
      expect(await ids({ status: 'CANCELLED' })).toEqual([]);

      const code = subjectRequests[0].medicationCodeableConcept!.coding![0].code!;
      expect(await ids({ code })).toEqual(expectedIds((r) => r.medicationCodeableConcept!.coding![0].code === code));

      const organizationId = subject.organizationIds[0];
      const fromOrganization = expectedIds((r) => expectedNode(r, subject).organization.id === organizationId);
      expect(fromOrganization.length).toBeGreaterThan(0);
      expect(await ids({ organizationId })).toEqual(fromOrganization);

      const dates = subjectRequests.map((r) => new Date(r.authoredOn!).getTime()).sort((a, b) => a - b);
      const from = new Date(dates[1]).toISOString();
      const to = new Date(dates[dates.length - 2]).toISOString();
      const window = expectedIds((r) => new Date(r.authoredOn!).getTime() >= dates[1] && new Date(r.authoredOn!).getTime() < dates[dates.length - 2]);
      expect(await ids({ from, to })).toEqual(window);
      expect(window.length).toBeLessThan(subjectRequests.length);
    });

    it('lists active medications only, newest first, paginated', async () => {
      const active = subjectRequests.filter((r) => r.status === 'active').map((r) => expectedNode(r, subject)).sort(newestFirst);
      expect(active.length).toBeGreaterThan(1);
      const { nodes, pages } = await activeMedications.all(subject.patientId, { first: 1 });
      expect(pages).toHaveLength(active.length);
      expect(nodes).toEqual(active.map((n) => ({ id: n.id, status: 'ACTIVE', authoredOn: n.authoredOn })));
    });

    it('answers medicationRequest(id) and _entities for a visible record, and null for unknown ids', async () => {
      const source = subjectRequests[0];
      const expected = expectedNode(source, subject);
      const { medicationRequest } = await graphqlOk(BY_ID, { id: expected.id }, physician);
      expect(medicationRequest).toMatchObject(expected);
      const { medicationRequest: missing } = await graphqlOk(BY_ID, { id: randomUUID() }, physician);
      expect(missing).toBeNull();
      expect(await chart.references('MedicationRequest', [expected.id, randomUUID(), 'nope'], 'id code { code }')).toEqual([{ id: expected.id, code: { code: expected.code.code } }, null, null]);
    });

    it('lets the patient read their own requests, nobody else', async () => {
      const own = patientUser(subject.patientId);
      expect((await requestsOf(subject.patientId, { first: 1 }, own)).totalCount).toBe(subjectRequests.length);
      const other = fixtureCharts().find((c) => c.patientId !== subject.patientId)!;
      expect(await requestsOf(subject.patientId, {}, patientUser(other.patientId))).toBeNull();
    });

    it('answers a hidden patient like an unknown one (null list, null record), and audits the refusal', async () => {
      const outsider = staff('physician', await insertOrganization(chart.db.url));
      expect(await requestsOf(subject.patientId, {}, outsider)).toBeNull();
      expect(await requestsOf(randomUUID(), {}, outsider)).toBeNull();
      const id = resourceId('MedicationRequest', subjectRequests[0].id!);
      expect((await graphqlOk(BY_ID, { id }, outsider)).medicationRequest).toBeNull();
      const billing = staff('billing', subject.organizationIds[0]);
      expect((await graphqlOk(BY_ID, { id }, billing)).medicationRequest).toBeNull();
      expectOnlyDenied(await chart.auditRows({ patientId: subject.patientId, actorId: outsider.userId }), 'MedicationRequest');
    });

    it("audits a list read as one 'read' row naming MedicationRequest", async () => {
      const reader = staff('physician', subject.organizationIds[0]);
      const list = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { medicationRequests(first: 3) { edges { node { id } } } } } }`;
      expect((await graphqlOk(list, { id: subject.patientId }, reader))._entities[0].medicationRequests.edges).toHaveLength(3);
      expect(await chart.auditRows({ patientId: subject.patientId, actorId: reader.userId })).toEqual([
        { action: 'read', outcome: 'success', record_types: ['MedicationRequest'], purpose: 'treatment', detail: { records: 3 } },
      ]);
    });
  });

  describe('prescribeMedication', () => {
    let organizationId: string;
    let prescriber: ReturnType<typeof staff>;
    beforeAll(async () => {
      organizationId = await insertOrganization(chart.db.url);
      prescriber = staff('physician', organizationId);
    });
    const input = (patientId: string, extra: Record<string, unknown> = {}) => ({
      patientId,
      medication: { system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
      dosageText: 'One tablet by mouth every morning',
      ...extra,
    });

    it("writes an active order at the caller's organization, with an audit row naming the prescriber; it leads the active list", async () => {
      const patientId = await insertPatient(chart.db.url, [organizationId]);
      const before = Date.now();
      const { prescribeMedication: written } = await graphqlOk(PRESCRIBE, {
        input: input(patientId, { reasons: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }] }),
      }, prescriber);
      expect(written).toMatchObject({
        status: 'ACTIVE', intent: 'ORDER', dosageText: 'One tablet by mouth every morning',
        code: { system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
        reasons: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }],
        requester: null, encounter: null, organization: { id: organizationId }, patient: { id: patientId },
      });
      expect(new Date(written.authoredOn).getTime()).toBeGreaterThanOrEqual(before - 1000);
      const [row] = await withSql(chart.db.url, (sql) => sql('select dosage, code_value from clinical.medication_request where id = $1', [written.id]));
      expect(row).toEqual({ dosage: [{ text: 'One tablet by mouth every morning' }], code_value: '314076' });
      expect(await chart.auditRows({ patientId, actorId: prescriber.userId, action: 'write' })).toEqual([
        { action: 'write', outcome: 'success', record_types: ['MedicationRequest'], purpose: 'treatment', detail: { operation: 'create' } },
      ]);
      const active = await activeMedications.page(patientId, {}, prescriber);
      expect(active.edges.map((e: any) => e.node.id)).toEqual([written.id]);
    });

    it('accepts an encounter of the same patient, and refuses one of another patient (NOT_FOUND encounterId)', async () => {
      const patientId = await insertPatient(chart.db.url, [organizationId]);
      const encounterId = await chart.recordEncounter(patientId, organizationId, { principal: prescriber });
      const { prescribeMedication } = await graphqlOk(PRESCRIBE, { input: input(patientId, { encounterId }) }, prescriber);
      expect(prescribeMedication.encounter).toEqual({ id: encounterId });
      const otherPatient = await insertPatient(chart.db.url, [organizationId]);
      const response = await graphql(PRESCRIBE, { input: input(otherPatient, { encounterId }) }, prescriber);
      expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'encounterId' });
      expect(await rowsOf(otherPatient)).toBe(0);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['a medication outside RxNorm', { medication: { system: 'http://snomed.info/sct', code: '386873009' } }, 'medication.system'],
        ['a medication without a system', { medication: { code: '314076' } }, 'medication.system'],
        ['a blank medication code', { medication: { system: RXNORM, code: '  ' } }, 'medication.code'],
        ['an empty dosage text', { dosageText: '' }, 'dosageText'],
        ['a blank dosage text', { dosageText: '   ' }, 'dosageText'],
        ['a dosage text over 1000 characters', { dosageText: 'x'.repeat(1001) }, 'dosageText'],
        ['a reason outside SNOMED CT / ICD-10-CM', { reasons: [{ system: 'http://loinc.org', code: '1234-5' }] }, 'reasons[0].system'],
        ['a status a new prescription cannot have', { status: 'COMPLETED' }, 'status'],
        ['a patientId that is not a UUID', { patientId: 'patient-1' }, 'patientId'],
        ['an encounterId that is not a UUID', { encounterId: 'e-1' }, 'encounterId'],
      ];
      it.each(cases)('%s', async (_name, change, field) => {
        const patientId = await insertPatient(chart.db.url, [organizationId]);
        const response = await graphql(PRESCRIBE, { input: { ...input(patientId), ...change } }, prescriber);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await rowsOf(patientId)).toBe(0);
      });

      it('accepts exactly 1000 characters of dosage text', async () => {
        const patientId = await insertPatient(chart.db.url, [organizationId]);
        const { prescribeMedication } = await graphqlOk(PRESCRIBE, { input: input(patientId, { dosageText: 'y'.repeat(1000) }) }, prescriber);
        expect(prescribeMedication.dosageText).toHaveLength(1000);
      });
    });

    it('lets physicians and nurses prescribe, nobody else (FORBIDDEN, nothing written)', async () => {
      const patientId = await insertPatient(chart.db.url, [organizationId]);
      await expectRefusedFor(nonClinicalRoles(organizationId, patientId), (principal) => graphql(PRESCRIBE, { input: input(patientId) }, principal), 'FORBIDDEN');
      expect(await rowsOf(patientId)).toBe(0);
      await graphqlOk(PRESCRIBE, { input: input(patientId) }, staff('nurse', organizationId));
      expect(await rowsOf(patientId)).toBe(1);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId, and writes nothing', async () => {
      for (const patientId of await chart.hiddenAndUnknownPatients()) {
        const response = await graphql(PRESCRIBE, { input: input(patientId) }, prescriber);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(patientId)).toBe(0);
      }
    });
  });
});
