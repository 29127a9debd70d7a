import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, parseReference, resourceId, type FhirResource, type Principal, type RunningSubgraph } from '@caregraph/platform';
import { BundleError, createImporter, type ImportSummary } from '@caregraph/tools';
import type { Bundle, Dosage, MedicationRequest as FhirMedicationRequest } from '@medplum/fhirtypes';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertOrganization, insertPatient, patientUser, staff, withSql } from '../../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { clinicalSubgraph } from '../../subgraph';
import { dosageText } from './dosage';

jest.setTimeout(180_000);


const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FIXTURE_FILES = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort().map((name) => path.join(FIXTURES, name));
const logger = createLogger('medication-request-test', 'silent');

/** One fixture bundle: its patient (our id), its resources, the organizations that provided its encounters. */
const charts = FIXTURE_FILES.map((file) => {
  const resources = (JSON.parse(readFileSync(file, 'utf8')) as Bundle).entry!.map((entry) => entry.resource as FhirResource);
  const of = <T extends FhirResource>(type: T['resourceType']) => resources.filter((r): r is T => r.resourceType === type);
  return {
    patientId: resourceId('Patient', of('Patient')[0].id!),
    resources,
    of,
    organizationIds: [...new Set(of<any>('Encounter').map((e) => parseReference(e.serviceProvider.reference)!.id))],
  };
});
type FixtureChart = (typeof charts)[number];
const idOf = (reference: string | undefined): string => parseReference(reference)!.id;

/** Every node of a connection, following endCursor page by page. */
async function allPages(fetchPage: (after: string | null) => Promise<any>): Promise<{ nodes: any[]; pages: number }> {
  const nodes: any[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const page = await fetchPage(after);
    nodes.push(...page.edges.map((edge: any) => edge.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    pages += 1;
  } while (after && pages < 1000);
  return { nodes, pages };
}

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

const FIELDS = `id status intent authoredOn dosageText code { system code display } reasons { system code display } reasonRecordIds
  requester { id } encounter { id } organization { id } patient { id } createdAt updatedAt`;
const PATIENT_REQUESTS = `query ($id: ID!, $first: Int, $after: String, $status: MedicationRequestStatus, $code: String, $organizationId: ID, $from: DateTimeISO, $to: DateTimeISO) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) {
    ... on Patient { medicationRequests(first: $first, after: $after, status: $status, code: $code, organizationId: $organizationId, from: $from, to: $to) {
      totalCount edges { node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } }
  }
}`;
const ACTIVE = `query ($id: ID!, $first: Int, $after: String) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) {
    ... on Patient { activeMedications(first: $first, after: $after) { totalCount edges { node { id status authoredOn } } pageInfo { hasNextPage endCursor } } }
  }
}`;
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
  const encounter = chart.of<any>('Encounter').find((e) => resourceId('Encounter', e.id) === idOf(source.encounter!.reference));
  return {
    id: resourceId('MedicationRequest', source.id!),
    status: source.status.toUpperCase().replace(/-/g, '_'),
    intent: source.intent.toUpperCase().replace(/-/g, '_'),
    authoredOn: new Date(source.authoredOn!).toISOString(),
    dosageText: expectedDosageText(source.dosageInstruction),
    code: { system: coding.system, code: coding.code, display: coding.display },
    reasons: [],
    reasonRecordIds: (source.reasonReference ?? []).map((r) => idOf(r.reference)),
    requester: { id: idOf(source.requester!.reference) },
    encounter: { id: idOf(source.encounter!.reference) },
    organization: { id: idOf(encounter.serviceProvider.reference) },
    patient: { id: chart.patientId },
  };
}

/** Newest first by authoredOn, ties by id (the list's order). */
const newestFirst = (a: { authoredOn: string; id: string }, b: { authoredOn: string; id: string }) =>
  b.authoredOn.localeCompare(a.authoredOn) || a.id.localeCompare(b.id);

describe('clinical subgraph: medication requests', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let clinical: RunningSubgraph;
  let imported: ImportSummary;
  const call = (query: string, variables: Record<string, unknown>, principal: Principal) => graphql(clinical.url, query, variables, { principal });
  const callOk = (query: string, variables: Record<string, unknown>, principal: Principal) => graphqlOk(clinical.url, query, variables, { principal });
  /** Imports bundles with the real importer (it registers each patient where they had encounters). */
  async function importBundles(work: (importer: Awaited<ReturnType<typeof createImporter>>) => Promise<unknown>) {
    const importer = await createImporter({ databaseUrl: db.url, logger });
    try {
      return await work(importer);
    } finally {
      await importer.close();
    }
  }
  // the fixture patient with the most medication requests, read by a physician of one of their providers
  const subject = [...charts].sort((a, b) => b.of('MedicationRequest').length - a.of('MedicationRequest').length)[0];
  const subjectRequests = subject.of<FhirMedicationRequest>('MedicationRequest');
  const physician = staff('physician', subject.organizationIds[0]);
  const requestsOf = async (id: string, args: Record<string, unknown> = {}, as = physician) =>
    (await callOk(PATIENT_REQUESTS, { id, ...args }, as))._entities[0].medicationRequests;

  beforeAll(async () => {
    db = await createTestDatabase('medication_requests');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    clinical = await startTestSubgraph(clinicalSubgraph, db.url);
    imported = (await importBundles((importer) => importer.importAll(FIXTURE_FILES.map((file) => ({ file }))))) as ImportSummary;
  });
  afterAll(async () => {
    await clinical?.close();
    await patients?.close();
    await db?.drop();
  });

  const rowsOf = (patientId: string) =>
    withSql(db.url, (sql) => sql('select count(*)::int as n from clinical.medication_request where patient_id = $1', [patientId])).then((r) => r[0].n as number);
  const auditRows = (patientId: string, userId: string) =>
    withSql(db.url, (sql) => sql(`select action, outcome, record_types, purpose, detail from audit.event where patient_id = $1 and actor_id = $2 order by id`, [patientId, userId]));

  describe('FHIR import', () => {
    it('imports every MedicationRequest of the 17 fixtures once', async () => {
      const all = charts.flatMap((c) => c.of<FhirMedicationRequest>('MedicationRequest'));
      const ids = new Set(all.map((r) => resourceId('MedicationRequest', r.id!)));
      expect(all.length).toBe(152);
      expect(imported.types.MedicationRequest).toEqual({ inBundles: all.length, created: ids.size, updated: all.length - ids.size, unhandled: 0 });
      const rows = await withSql(db.url, (sql) => sql('select id from clinical.medication_request order by id'));
      expect(rows.map((r) => r.id)).toEqual([...ids].sort());
    });

    it('stores every field exactly as the fixtures have it (codes, dates, requester, reasons, raw dosage)', async () => {
      const rows = new Map((await withSql(db.url, (sql) => sql('select * from clinical.medication_request'))).map((row) => [row.id, row]));
      let checked = 0;
      for (const source of charts.flatMap((c) => c.of<FhirMedicationRequest>('MedicationRequest').map((r) => ({ r, c })))) {
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
      await importBundles((importer) => importer.importBundle(bundle, 'dosage.json'));
      const patientId = resourceId('Patient', patientFhirId);
      const { medicationRequest: first } = await callOk(BY_ID, { id: ids[0] }, patientUser(patientId));
      expect(first).toMatchObject({
        status: 'ON_HOLD', intent: 'PLAN', authoredOn: '2020-05-01T08:15:00.000Z', dosageText: 'One tablet every morning',
        code: { system: RXNORM, code: '197361', display: 'Amlodipine 5 MG Oral Tablet' },
        reasons: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }],
        reasonRecordIds: [], requester: null, organization: { id: organizationId }, encounter: { id: encounterFhirId },
      });
      const { medicationRequest: second } = await callOk(BY_ID, { id: ids[1] }, patientUser(patientId));
      expect(second).toMatchObject({ status: 'DRAFT', intent: 'PROPOSAL', authoredOn: '2020-05-01T10:00:00.000Z', dosageText: '2 tablet 3 times a day as needed for pain; then at bedtime' });
    });

    it('rejects a bundle with a MedicationRequest status outside FHIR, naming the field, and imports nothing of it', async () => {
      const source = charts.find((c) => c.of('MedicationRequest').length > 0 && c.of('MedicationRequest').length < 10)!;
      const before = await withSql(db.url, (sql) => sql('select id, status, updated_at from clinical.medication_request order by id'));
      const bundle = JSON.parse(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: source.resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })) }));
      const bad = bundle.entry.filter((e: any) => e.resource.resourceType === 'MedicationRequest').at(-1);
      bad.resource.status = 'paused';
      const error = await importBundles((importer) => importer.importBundle(bundle, 'bad-status.json')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(BundleError);
      expect((error as Error).message).toContain('MedicationRequest.status');
      expect(await withSql(db.url, (sql) => sql('select id, status, updated_at from clinical.medication_request order by id'))).toEqual(before);
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
      const { nodes, pages } = await allPages(async (after) => requestsOf(subject.patientId, { first: 4, after }));
      expect(pages).toBe(Math.ceil(subjectRequests.length / 4));
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
      const { nodes, pages } = await allPages(async (after) => (await callOk(ACTIVE, { id: subject.patientId, first: 1, after }, physician))._entities[0].activeMedications);
      expect(pages).toBe(active.length);
      expect(nodes).toEqual(active.map((n) => ({ id: n.id, status: 'ACTIVE', authoredOn: n.authoredOn })));
    });

    it('answers medicationRequest(id) and _entities for a visible record, and null for unknown ids', async () => {
      const source = subjectRequests[0];
      const expected = expectedNode(source, subject);
      const { medicationRequest } = await callOk(BY_ID, { id: expected.id }, physician);
      expect(medicationRequest).toMatchObject(expected);
      const { medicationRequest: missing } = await callOk(BY_ID, { id: randomUUID() }, physician);
      expect(missing).toBeNull();
      const data = await callOk(`query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on MedicationRequest { id code { code } } } }`, {
        reps: [{ __typename: 'MedicationRequest', id: expected.id }, { __typename: 'MedicationRequest', id: randomUUID() }, { __typename: 'MedicationRequest', id: 'nope' }],
      }, physician);
      expect(data._entities).toEqual([{ id: expected.id, code: { code: expected.code.code } }, null, null]);
    });

    it('lets the patient read their own requests, nobody else', async () => {
      const own = patientUser(subject.patientId);
      expect((await requestsOf(subject.patientId, { first: 1 }, own)).totalCount).toBe(subjectRequests.length);
      const other = charts.find((c) => c.patientId !== subject.patientId)!;
      expect(await requestsOf(subject.patientId, {}, patientUser(other.patientId))).toBeNull();
    });

    it('answers a hidden patient like an unknown one (null list, null record), and audits the refusal', async () => {
      const outsider = staff('physician', await insertOrganization(db.url));
      expect(await requestsOf(subject.patientId, {}, outsider)).toBeNull();
      expect(await requestsOf(randomUUID(), {}, outsider)).toBeNull();
      const id = resourceId('MedicationRequest', subjectRequests[0].id!);
      expect((await callOk(BY_ID, { id }, outsider)).medicationRequest).toBeNull();
      const billing = staff('billing', subject.organizationIds[0]);
      expect((await callOk(BY_ID, { id }, billing)).medicationRequest).toBeNull();
      const rows = await auditRows(subject.patientId, outsider.userId);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.outcome === 'denied' && row.record_types.includes('MedicationRequest'))).toBe(true);
    });

    it("audits a list read as one 'read' row naming MedicationRequest", async () => {
      const reader = staff('physician', subject.organizationIds[0]);
      const list = `query ($id: ID!) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient { medicationRequests(first: 3) { edges { node { id } } } } } }`;
      expect((await callOk(list, { id: subject.patientId }, reader))._entities[0].medicationRequests.edges).toHaveLength(3);
      expect(await auditRows(subject.patientId, reader.userId)).toEqual([
        { action: 'read', outcome: 'success', record_types: ['MedicationRequest'], purpose: 'treatment', detail: { records: 3 } },
      ]);
    });
  });

  describe('prescribeMedication', () => {
    let organizationId: string;
    let prescriber: ReturnType<typeof staff>;
    beforeAll(async () => {
      organizationId = await insertOrganization(db.url);
      prescriber = staff('physician', organizationId);
    });
    const input = (patientId: string, extra: Record<string, unknown> = {}) => ({
      patientId,
      medication: { system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
      dosageText: 'One tablet by mouth every morning',
      ...extra,
    });

    it("writes an active order at the caller's organization, with an audit row naming the prescriber; it leads the active list", async () => {
      const patientId = await insertPatient(db.url, [organizationId]);
      const before = Date.now();
      const { prescribeMedication: written } = await callOk(PRESCRIBE, {
        input: input(patientId, { reasons: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }] }),
      }, prescriber);
      expect(written).toMatchObject({
        status: 'ACTIVE', intent: 'ORDER', dosageText: 'One tablet by mouth every morning',
        code: { system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
        reasons: [{ system: 'http://snomed.info/sct', code: '59621000', display: 'Essential hypertension' }],
        requester: null, encounter: null, organization: { id: organizationId }, patient: { id: patientId },
      });
      expect(new Date(written.authoredOn).getTime()).toBeGreaterThanOrEqual(before - 1000);
      const [row] = await withSql(db.url, (sql) => sql('select dosage, code_value from clinical.medication_request where id = $1', [written.id]));
      expect(row).toEqual({ dosage: [{ text: 'One tablet by mouth every morning' }], code_value: '314076' });
      expect((await auditRows(patientId, prescriber.userId)).filter((r) => r.action === 'write')).toEqual([
        { action: 'write', outcome: 'success', record_types: ['MedicationRequest'], purpose: 'treatment', detail: { operation: 'create' } },
      ]);
      const active = (await callOk(ACTIVE, { id: patientId }, prescriber))._entities[0].activeMedications;
      expect(active.edges.map((e: any) => e.node.id)).toEqual([written.id]);
    });

    it('accepts an encounter of the same patient, and refuses one of another patient (NOT_FOUND encounterId)', async () => {
      const patientId = await insertPatient(db.url, [organizationId]);
      const record = `mutation ($input: RecordEncounterInput!) { recordEncounter(input: $input) { id } }`;
      const encounterId = (await callOk(record, { input: { patientId, organizationId, status: 'FINISHED', classCode: 'AMB', periodStart: '2024-01-01T00:00:00Z' } }, prescriber)).recordEncounter.id;
      const { prescribeMedication } = await callOk(PRESCRIBE, { input: input(patientId, { encounterId }) }, prescriber);
      expect(prescribeMedication.encounter).toEqual({ id: encounterId });
      const otherPatient = await insertPatient(db.url, [organizationId]);
      const response = await call(PRESCRIBE, { input: input(otherPatient, { encounterId }) }, prescriber);
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
        const patientId = await insertPatient(db.url, [organizationId]);
        const response = await call(PRESCRIBE, { input: { ...input(patientId), ...change } }, prescriber);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await rowsOf(patientId)).toBe(0);
      });

      it('accepts exactly 1000 characters of dosage text', async () => {
        const patientId = await insertPatient(db.url, [organizationId]);
        const { prescribeMedication } = await callOk(PRESCRIBE, { input: input(patientId, { dosageText: 'y'.repeat(1000) }) }, prescriber);
        expect(prescribeMedication.dosageText).toHaveLength(1000);
      });
    });

    it('lets physicians and nurses prescribe, nobody else (FORBIDDEN, nothing written)', async () => {
      const patientId = await insertPatient(db.url, [organizationId]);
      for (const principal of [staff('billing', organizationId), staff('org_admin', organizationId), staff('compliance', organizationId), patientUser(patientId)]) {
        const response = await call(PRESCRIBE, { input: input(patientId) }, principal);
        expect(response.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      expect(await rowsOf(patientId)).toBe(0);
      await callOk(PRESCRIBE, { input: input(patientId) }, staff('nurse', organizationId));
      expect(await rowsOf(patientId)).toBe(1);
    });

    it('answers a hidden or unknown patient with NOT_FOUND on patientId, and writes nothing', async () => {
      const hidden = await insertPatient(db.url, [await insertOrganization(db.url)]);
      for (const patientId of [hidden, randomUUID()]) {
        const response = await call(PRESCRIBE, { input: input(patientId) }, prescriber);
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
        expect(await rowsOf(patientId)).toBe(0);
      }
    });
  });
});
