import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { accessDecisionsUrl, ASSERTION_HEADER, createLogger, createRequestContext, remoteAccessPolicy, resourceId, type RunningSubgraph } from '@caregraph/platform';
import type { Bundle, Encounter as FhirEncounter, Immunization as FhirImmunization } from '@medplum/fhirtypes';
import { createImporter } from '@caregraph/tools';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertOrganization, insertPatient, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { assertionHeaders, graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { createClinicalContext } from '../../context';
import { clinicalSubgraph } from '../../subgraph';
import { Immunization } from './immunization.entity';
import { immunizationsByEncounter } from './immunization.service';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
const ref = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();

const bundles = FILES.map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
const resourcesOf = (bundle: Bundle) => bundle.entry!.map((entry) => entry.resource!);
const all = <T>(type: string) => bundles.flatMap((bundle) => resourcesOf(bundle).filter((r) => r.resourceType === type)) as T[];
const fixtureImmunizations = all<FhirImmunization>('Immunization');
const fixtureEncounters = new Map(all<FhirEncounter>('Encounter').map((encounter) => [encounter.id!.toLowerCase(), encounter]));
const providerOf = (i: FhirImmunization) => ref(fixtureEncounters.get(ref(i.encounter!.reference))!.serviceProvider!.reference);
const immunizationsOf = (patientId: string) => fixtureImmunizations.filter((i) => ref(i.patient.reference) === patientId);
// the fixture patient with the most immunizations
const patientId = [...new Set(fixtureImmunizations.map((i) => ref(i.patient.reference)))].sort((a, b) => immunizationsOf(b).length - immunizationsOf(a).length)[0];
const theirs = immunizationsOf(patientId);
const iso = (value: string | undefined) => (value ? new Date(value).toISOString() : null);

const IMMUNIZATION_FIELDS = `id vaccineCode { system code display } status occurredAt primarySource patient { id } organization { id } encounter { id }`;
const PATIENT_IMMUNIZATIONS = `query ($id: ID!, $first: Int, $after: String, $status: ImmunizationStatus, $code: String, $organizationId: ID, $from: DateTimeISO, $to: DateTimeISO) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    immunizations(first: $first, after: $after, status: $status, code: $code, organizationId: $organizationId, from: $from, to: $to) {
      totalCount edges { node { id occurredAt status vaccineCode { code } } } pageInfo { hasNextPage endCursor } } } } }`;
const RECORD = `mutation ($input: RecordImmunizationInput!) { recordImmunization(input: $input) { ${IMMUNIZATION_FIELDS} } }`;

describe('clinical subgraph: immunizations', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let physician: UserPrincipal; // of an organization the imported patient was seen at
  let created = 0;

  beforeAll(async () => {
    db = await createTestDatabase('immunizations');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    service = await startTestSubgraph(clinicalSubgraph, db.url);
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    try {
      for (const file of FILES) created += (await importer.importFile(path.join(FIXTURES, file))).types.Immunization?.created ?? 0;
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

  const immunizationsPage = async (id: string, args: Record<string, unknown> = {}, principal: UserPrincipal = physician) =>
    (await callOk(service.url, PATIENT_IMMUNIZATIONS, { id, first: 100, ...args }, { principal }))._entities[0].immunizations;

  describe('FHIR import', () => {
    it('creates one row per fixture Immunization across all 17 bundles', async () => {
      expect(FILES).toHaveLength(17);
      expect(fixtureImmunizations.length).toBeGreaterThan(100);
      expect(created).toBe(fixtureImmunizations.length);
      expect(await service.orm.em.fork().count(Immunization, {})).toBe(fixtureImmunizations.length);
    });

    it('keeps vaccine codes, status, occurrence and primary source exactly as the bundle has them', async () => {
      const rows = new Map((await service.orm.em.fork().find(Immunization, {})).map((row) => [row.id, row]));
      for (const source of fixtureImmunizations) {
        const coding = source.vaccineCode.coding![0];
        expect(rows.get(resourceId('Immunization', source.id!))).toMatchObject({
          patientId: ref(source.patient.reference),
          encounterId: ref(source.encounter!.reference),
          organizationId: providerOf(source),
          vaccineCode: { system: coding.system, code: coding.code, display: coding.display },
          codeValue: coding.code,
          status: source.status,
          occurredAt: new Date(source.occurrenceDateTime!),
          primarySource: source.primarySource,
        });
      }
    });

    const broken: [string, Partial<FhirImmunization>, string][] = [
      ['no vaccine code', { vaccineCode: { text: 'flu shot' } }, 'Immunization.vaccineCode'],
      ['an unknown status', { status: 'done' as never }, 'Immunization.status'],
      ['an occurrence given only as text', { occurrenceDateTime: undefined, occurrenceString: 'last spring' }, 'Immunization.occurrenceDateTime'],
      ['a malformed occurrence', { occurrenceDateTime: '2019-13-01' }, 'Immunization.occurrenceDateTime'],
    ];
    it.each(broken)('refuses a bundle with %s, naming the field, and imports nothing of it', async (_label, change, field) => {
      const bundle = bundles.find((b) => resourcesOf(b).some((r) => r.id === theirs[0].id))!;
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[0], id: randomUUID(), ...change };
      const changed = { ...bundle, entry: [...bundle.entry!, { fullUrl: `urn:uuid:${fresh.id}`, resource: fresh }, { fullUrl: `urn:uuid:${bad.id}`, resource: bad }] };
      const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
      try {
        await expect(importer.importBundle(changed, 'broken.json')).rejects.toMatchObject({ cause: { extensions: { code: 'BAD_USER_INPUT', field } } });
      } finally {
        await importer.close();
      }
      expect(await service.orm.em.fork().count(Immunization, {})).toBe(fixtureImmunizations.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's immunizations most recent first, and pages through them without repeats", async () => {
      const seen: any[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page: any = await immunizationsPage(patientId, { first: 5, after });
        expect(page.totalCount).toBe(theirs.length);
        seen.push(...page.edges.map((e: any) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages += 1;
      } while (after);
      expect(pages).toBe(Math.ceil(theirs.length / 5));
      expect(seen).toHaveLength(theirs.length);
      expect(new Set(seen.map((i) => i.id))).toEqual(new Set(theirs.map((i) => i.id!.toLowerCase())));
      expect(seen.map((i) => i.occurredAt)).toEqual(theirs.map((i) => iso(i.occurrenceDateTime)).sort().reverse());
    });

    it('filters by status, vaccine code, organization and a [from, to) window', async () => {
      const ids = async (args: Record<string, unknown>) => (await immunizationsPage(patientId, args)).edges.map((e: any) => e.node.id).sort();
      const idsOf = (list: FhirImmunization[]) => list.map((i) => i.id!.toLowerCase()).sort();
      expect(await ids({ status: 'COMPLETED' })).toEqual(idsOf(theirs));
      expect(await ids({ status: 'NOT_DONE' })).toEqual([]);
      const code = theirs[0].vaccineCode.coding![0].code!;
      const sameVaccine = theirs.filter((i) => i.vaccineCode.coding![0].code === code);
      expect(sameVaccine.length).toBeLessThan(theirs.length);
      expect(await ids({ code })).toEqual(idsOf(sameVaccine));
      const organizationId = providerOf(theirs[0]);
      expect(await ids({ organizationId })).toEqual(idsOf(theirs.filter((i) => providerOf(i) === organizationId)));
      const sorted = theirs.map((i) => i.occurrenceDateTime!).sort();
      const [from, to] = [sorted[2], sorted[sorted.length - 2]];
      expect(await ids({ from, to })).toEqual(idsOf(theirs.filter((i) => new Date(i.occurrenceDateTime!) >= new Date(from) && new Date(i.occurrenceDateTime!) < new Date(to))));
    });

    it('serves one immunization by id and as a federated reference', async () => {
      const source = theirs[0];
      const id = source.id!.toLowerCase();
      const { immunization } = await callOk(service.url, `query ($id: ID!) { immunization(id: $id) { ${IMMUNIZATION_FIELDS} } }`, { id }, { principal: physician });
      expect(immunization).toEqual({
        id,
        vaccineCode: source.vaccineCode.coding![0],
        status: 'COMPLETED',
        occurredAt: iso(source.occurrenceDateTime),
        primarySource: true,
        patient: { id: patientId },
        organization: { id: providerOf(source) },
        encounter: { id: ref(source.encounter!.reference) },
      });
      const { _entities } = await callOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Immunization { id status } } }`, {
        reps: [{ __typename: 'Immunization', id }, { __typename: 'Immunization', id: randomUUID() }],
      }, { principal: physician });
      expect(_entities).toEqual([{ id, status: 'COMPLETED' }, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const id = theirs[0].id!.toLowerCase();
      for (const principal of [staff('physician', await insertOrganization(db.url)), staff('billing', physician.organizationId!), patientUser(randomUUID())]) {
        expect((await callOk(service.url, `query ($id: ID!) { immunization(id: $id) { id } }`, { id }, { principal })).immunization).toBeNull();
        expect(await immunizationsPage(patientId, {}, principal)).toBeNull();
      }
      expect((await immunizationsPage(patientId, {}, patientUser(patientId))).totalCount).toBe(theirs.length);
      expect(await immunizationsPage(randomUUID())).toBeNull();
    });

    it("batches an encounter's immunizations (DataLoader), leaving out those of patients the caller may not see", async () => {
      const encounterId = ref(theirs[0].encounter!.reference);
      const expected = fixtureImmunizations.filter((i) => ref(i.encounter!.reference) === encounterId).map((i) => i.id!.toLowerCase()).sort();
      const contextFor = async (principal: UserPrincipal) => {
        const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
        const requestId = randomUUID();
        return createClinicalContext(createRequestContext({
          service: 'clinical', em: service.orm.em.fork(), principal, log: createLogger('test', 'silent'), requestId,
          policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId }),
        }));
      };
      const [found, none] = await immunizationsByEncounter(await contextFor(physician)).loadMany([encounterId, randomUUID()]);
      expect((found as Immunization[]).map((i) => i.id).sort()).toEqual(expected);
      expect(none).toEqual([]);
      expect(await immunizationsByEncounter(await contextFor(staff('physician', await insertOrganization(db.url)))).load(encounterId)).toEqual([]);
    });
  });

  describe('recordImmunization', () => {
    let organizationId: string;
    let clinician: UserPrincipal;
    beforeAll(async () => {
      organizationId = await insertOrganization(db.url);
      clinician = staff('nurse', organizationId);
    });
    const record = (input: Record<string, unknown>, principal: UserPrincipal = clinician) => call(service.url, RECORD, { input }, { principal });
    const rowsOf = (id: string) => service.orm.em.fork().count(Immunization, { patientId: id });
    const valid = (id: string) => ({
      patientId: id,
      vaccineCode: { system: 'http://hl7.org/fhir/sid/cvx', code: '208', display: 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose' },
      occurredAt: '2021-04-01T10:15:00+02:00',
    });

    it("records a vaccination for the caller's organization (completed and primary source unless said otherwise)", async () => {
      const id = await insertPatient(db.url, [organizationId]);
      const { data, errors } = await record(valid(id));
      expect(errors).toBeUndefined();
      expect(data!.recordImmunization).toMatchObject({
        vaccineCode: valid(id).vaccineCode, status: 'COMPLETED', occurredAt: '2021-04-01T08:15:00.000Z', primarySource: true,
        patient: { id }, organization: { id: organizationId }, encounter: null,
      });
      const reported = (await record({ ...valid(id), vaccineCode: { system: 'http://hl7.org/fhir/sid/cvx', code: '140' }, occurredAt: '2022-10-01T00:00:00Z', primarySource: false })).data!.recordImmunization;
      expect(reported).toMatchObject({ primarySource: false, vaccineCode: { code: '140', display: null } });
      const list = await immunizationsPage(id, {}, clinician);
      expect(list.edges.map((e: any) => e.node.id)).toEqual([reported.id, data!.recordImmunization.id]);
      const writes = await withSql(db.url, (sql) => sql(`select record_types, detail from audit.event where patient_id = $1 and action = 'write'`, [id]));
      expect(writes).toHaveLength(2);
      expect(writes[0]).toEqual({ record_types: ['Immunization'], detail: { operation: 'create' } });
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await insertPatient(db.url, [organizationId]);
      });
      const cases: [string, Record<string, unknown>, string][] = [
        ['a vaccine code outside CVX', { vaccineCode: { system: 'http://snomed.info/sct', code: '33879002' } }, 'vaccineCode.system'],
        ['a vaccine code without a system', { vaccineCode: { code: '208' } }, 'vaccineCode.system'],
        ['an occurrence in the future', { occurredAt: new Date(Date.now() + 86_400_000).toISOString() }, 'occurredAt'],
        ['no occurrence', { occurredAt: null }, 'occurredAt'],
        ['an unknown status', { status: 'DONE' }, 'status'],
        ['a patientId that is not a UUID', { patientId: 'p-1' }, 'patientId'],
        ['an encounter of nobody', { encounterId: randomUUID() }, 'encounterId'],
      ];
      it.each(cases)('%s', async (_label, change, field) => {
        const response = await record({ ...valid(id), ...change });
        expect(response.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
        expect(await rowsOf(id)).toBe(0);
      });

      it('accepts the same input once corrected', async () => {
        expect((await record({ ...valid(id), status: 'NOT_DONE' })).errors).toBeUndefined();
        expect(await rowsOf(id)).toBe(1);
      });
    });

    it('lets only physicians and nurses record vaccinations (FORBIDDEN otherwise), and a hidden patient is NOT_FOUND', async () => {
      const id = await insertPatient(db.url, [organizationId]);
      for (const principal of [staff('billing', organizationId), staff('compliance', organizationId), patientUser(id)]) {
        expect((await record(valid(id), principal)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      expect(await rowsOf(id)).toBe(0);
      expect((await record(valid(id), staff('physician', organizationId))).errors).toBeUndefined();
      expect(await rowsOf(id)).toBe(1);
      const hidden = await insertPatient(db.url, [await insertOrganization(db.url)]);
      expect((await record(valid(hidden))).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
      expect(await rowsOf(hidden)).toBe(0);
    });
  });
});
