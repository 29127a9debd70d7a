import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { accessDecisionsUrl, ASSERTION_HEADER, createLogger, createRequestContext, remoteAccessPolicy, resourceId, type RunningSubgraph } from '@caregraph/platform';
import type { Bundle, Condition as FhirCondition, Encounter as FhirEncounter, Procedure as FhirProcedure } from '@medplum/fhirtypes';
import { createImporter } from '@caregraph/tools';
import { bundleViewOf } from '../../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../../test/support/database';
import { insertOrganization, patientUser, staff, withSql, type UserPrincipal } from '../../../../../test/support/principals';
import { assertionHeaders, graphql as call, graphqlOk as callOk, startTestSubgraph } from '../../../../../test/support/services';
import { patientsSubgraph } from '../../../../patients/src/subgraph';
import { createClinicalContext } from '../../context';
import { clinicalSubgraph } from '../../subgraph';
import { Procedure } from './procedure.entity';
import { procedureData } from './procedure.fhir';
import { proceduresByEncounter } from './procedure.service';

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/synthea');
const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json'));
const ref = (reference: string | undefined) => reference!.replace('urn:uuid:', '').toLowerCase();

const bundles = FILES.map((file) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle);
const resourcesOf = (bundle: Bundle) => bundle.entry!.map((entry) => entry.resource!);
const all = <T>(type: string) => bundles.flatMap((bundle) => resourcesOf(bundle).filter((r) => r.resourceType === type)) as T[];
const fixtureProcedures = all<FhirProcedure>('Procedure');
const fixtureConditions = new Map(all<FhirCondition>('Condition').map((c) => [c.id!.toLowerCase(), c]));
const fixtureEncounters = new Map(all<FhirEncounter>('Encounter').map((encounter) => [encounter.id!.toLowerCase(), encounter]));
const providerOf = (p: FhirProcedure) => ref(fixtureEncounters.get(ref(p.encounter!.reference))!.serviceProvider!.reference);
const proceduresOf = (patientId: string) => fixtureProcedures.filter((p) => ref(p.subject.reference) === patientId);
/** The reasons we expect: the code of each Condition that reasonReference names (Synthea has no reasonCode). */
const reasonsOf = (p: FhirProcedure) => (p.reasonReference ?? []).map((r) => fixtureConditions.get(ref(r.reference))!.code!.coding![0])
  .map((c) => ({ system: c.system, code: c.code, display: c.display }));
// the fixture patient with the most procedures
const patientId = [...new Set(fixtureProcedures.map((p) => ref(p.subject.reference)))].sort((a, b) => proceduresOf(b).length - proceduresOf(a).length)[0];
const theirs = proceduresOf(patientId);
const iso = (value: string | undefined) => (value ? new Date(value).toISOString() : null);

const PROCEDURE_FIELDS = `id code { system code display } status performedStart performedEnd reasons { system code display } performers { id }
  patient { id } organization { id } encounter { id }`;
const PATIENT_PROCEDURES = `query ($id: ID!, $first: Int, $after: String, $status: ProcedureStatus, $code: String, $organizationId: ID, $from: DateTimeISO, $to: DateTimeISO) {
  _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    procedures(first: $first, after: $after, status: $status, code: $code, organizationId: $organizationId, from: $from, to: $to) {
      totalCount edges { node { id performedStart status } } pageInfo { hasNextPage endCursor } } } } }`;

describe('clinical subgraph: procedures', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  let physician: UserPrincipal; // of an organization the imported patient was seen at
  let created = 0;

  beforeAll(async () => {
    db = await createTestDatabase('procedures');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    service = await startTestSubgraph(clinicalSubgraph, db.url);
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    try {
      for (const file of FILES) created += (await importer.importFile(path.join(FIXTURES, file))).types.Procedure?.created ?? 0;
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

  const proceduresPage = async (id: string, args: Record<string, unknown> = {}, principal: UserPrincipal = physician) =>
    (await callOk(service.url, PATIENT_PROCEDURES, { id, first: 100, ...args }, { principal }))._entities[0].procedures;

  describe('FHIR import', () => {
    it('creates one row per fixture Procedure across all 17 bundles', async () => {
      expect(FILES).toHaveLength(17);
      expect(fixtureProcedures.length).toBeGreaterThan(500);
      expect(created).toBe(fixtureProcedures.length);
      expect(await service.orm.em.fork().count(Procedure, {})).toBe(fixtureProcedures.length);
    });

    it("keeps code, status, performed period and reasons (the reason conditions' codes) exactly as the bundle has them", async () => {
      const rows = new Map((await service.orm.em.fork().find(Procedure, {})).map((row) => [row.id, row]));
      expect(fixtureProcedures.filter((p) => p.reasonReference?.length).length).toBeGreaterThan(100);
      for (const source of fixtureProcedures) {
        const coding = source.code!.coding![0];
        expect(rows.get(resourceId('Procedure', source.id!))).toMatchObject({
          patientId: ref(source.subject.reference),
          encounterId: ref(source.encounter!.reference),
          organizationId: providerOf(source),
          code: { system: coding.system, code: coding.code, display: coding.display },
          codeValue: coding.code,
          status: source.status,
          performedStart: new Date(source.performedPeriod!.start!),
          performedEnd: new Date(source.performedPeriod!.end!),
          reasons: reasonsOf(source),
          performerPractitionerIds: [],
        });
      }
    });

    it('takes performedDateTime, reason codes and practitioner performers (not other actors) when the source has them', () => {
      const bundle = bundles.find((b) => resourcesOf(b).some((r) => r.id === theirs[0].id))!;
      const practitioner = resourcesOf(bundle).find((r) => r.resourceType === 'Practitioner')!;
      const data = procedureData({
        ...theirs[0],
        performedPeriod: undefined,
        performedDateTime: '2018-07-04T12:00:00-04:00',
        reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '195662009', display: 'Acute viral pharyngitis' }] }],
        reasonReference: [{ reference: `Observation/${randomUUID()}` }],
        performer: [
          { actor: { reference: `Practitioner/${practitioner.id}` } },
          { actor: { reference: `PractitionerRole/${randomUUID()}` } },
          { actor: { reference: `Practitioner/${practitioner.id}` } },
        ],
      }, bundleViewOf(resourcesOf(bundle)));
      expect(data).toMatchObject({
        performedStart: new Date('2018-07-04T16:00:00Z'),
        performedEnd: null,
        reasons: [{ system: 'http://snomed.info/sct', code: '195662009', display: 'Acute viral pharyngitis' }],
        performerPractitionerIds: [practitioner.id!.toLowerCase()],
      });
    });

    const broken: [string, Partial<FhirProcedure>, string][] = [
      ['no code', { code: undefined }, 'Procedure.code'],
      ['an unknown status', { status: 'done' as never }, 'Procedure.status'],
      ['no performed time', { performedPeriod: undefined }, 'Procedure.performedDateTime'],
      ['an end before the start', { performedPeriod: { start: '2019-01-02T00:00:00Z', end: '2019-01-01T00:00:00Z' } }, 'Procedure.performedPeriod.end'],
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
      expect(await service.orm.em.fork().count(Procedure, {})).toBe(fixtureProcedures.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's procedures most recent first, and pages through them without repeats", async () => {
      expect(theirs.length).toBeGreaterThan(20);
      const seen: any[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const page: any = await proceduresPage(patientId, { first: 7, after });
        expect(page.totalCount).toBe(theirs.length);
        seen.push(...page.edges.map((e: any) => e.node));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages += 1;
      } while (after);
      expect(pages).toBe(Math.ceil(theirs.length / 7));
      expect(seen).toHaveLength(theirs.length);
      expect(new Set(seen.map((p) => p.id))).toEqual(new Set(theirs.map((p) => p.id!.toLowerCase())));
      expect(seen.map((p) => p.performedStart)).toEqual(theirs.map((p) => iso(p.performedPeriod!.start)).sort().reverse());
    });

    it('filters by status, code, organization and a [from, to) window on the start', async () => {
      const ids = async (args: Record<string, unknown>) => (await proceduresPage(patientId, args)).edges.map((e: any) => e.node.id).sort();
      const idsOf = (list: FhirProcedure[]) => list.map((p) => p.id!.toLowerCase()).sort();
      expect((await proceduresPage(patientId, { status: 'COMPLETED' })).totalCount).toBe(theirs.length);
      expect((await proceduresPage(patientId, { status: 'IN_PROGRESS' })).totalCount).toBe(0);
      const code = theirs[0].code!.coding![0].code!;
      const same = theirs.filter((p) => p.code!.coding![0].code === code);
      expect(same.length).toBeLessThan(theirs.length);
      expect(await ids({ code })).toEqual(idsOf(same));
      const organizationId = providerOf(theirs[0]);
      expect((await proceduresPage(patientId, { organizationId })).totalCount).toBe(theirs.filter((p) => providerOf(p) === organizationId).length);
      const starts = theirs.map((p) => p.performedPeriod!.start!).sort();
      const [from, to] = [starts[3], starts[Math.min(starts.length - 1, 40)]];
      const window = theirs.filter((p) => new Date(p.performedPeriod!.start!) >= new Date(from) && new Date(p.performedPeriod!.start!) < new Date(to));
      expect(window.length).toBeLessThanOrEqual(100);
      expect(await ids({ from, to })).toEqual(idsOf(window));
    });

    it('serves one procedure by id and as a federated reference, with its reasons', async () => {
      const source = theirs.find((p) => p.reasonReference?.length) ?? theirs[0];
      const id = source.id!.toLowerCase();
      const { procedure } = await callOk(service.url, `query ($id: ID!) { procedure(id: $id) { ${PROCEDURE_FIELDS} } }`, { id }, { principal: physician });
      expect(procedure).toEqual({
        id,
        code: source.code!.coding![0],
        status: 'COMPLETED',
        performedStart: iso(source.performedPeriod!.start),
        performedEnd: iso(source.performedPeriod!.end),
        reasons: reasonsOf(source),
        performers: [],
        patient: { id: patientId },
        organization: { id: providerOf(source) },
        encounter: { id: ref(source.encounter!.reference) },
      });
      const { _entities } = await callOk(service.url, `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Procedure { id } } }`, {
        reps: [{ __typename: 'Procedure', id }, { __typename: 'Procedure', id: randomUUID() }],
      }, { principal: physician });
      expect(_entities).toEqual([{ id }, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const id = theirs[0].id!.toLowerCase();
      for (const principal of [staff('physician', await insertOrganization(db.url)), staff('billing', physician.organizationId!), patientUser(randomUUID())]) {
        expect((await callOk(service.url, `query ($id: ID!) { procedure(id: $id) { id } }`, { id }, { principal })).procedure).toBeNull();
        expect(await proceduresPage(patientId, {}, principal)).toBeNull();
      }
      expect((await proceduresPage(patientId, {}, patientUser(patientId))).totalCount).toBe(theirs.length);
      expect(await proceduresPage(randomUUID())).toBeNull();
    });

    it("audits a refused read of an existing procedure as 'denied'", async () => {
      const outsider = staff('physician', await insertOrganization(db.url));
      await callOk(service.url, `query ($id: ID!) { procedure(id: $id) { id } }`, { id: theirs[0].id }, { principal: outsider });
      const rows = await withSql(db.url, (sql) => sql(`select outcome, patient_id, record_types from audit.event where actor_id = $1`, [outsider.userId]));
      expect(rows).toEqual([{ outcome: 'denied', patient_id: patientId, record_types: ['Procedure'] }]);
    });

    it('offers no way to write procedures (import only)', async () => {
      const response = await call(service.url, `mutation { recordProcedure(input: {}) { id } }`, {}, { principal: physician });
      expect(response.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it("batches each encounter's procedures (DataLoader), most recent first, leaving out those of patients the caller may not see", async () => {
      const byEncounter = new Map<string, FhirProcedure[]>();
      for (const p of theirs) byEncounter.set(ref(p.encounter!.reference), [...(byEncounter.get(ref(p.encounter!.reference)) ?? []), p]);
      const [busiest] = [...byEncounter.keys()].sort((a, b) => byEncounter.get(b)!.length - byEncounter.get(a)!.length);
      expect(byEncounter.get(busiest)!.length).toBeGreaterThan(1);
      const contextFor = async (principal: UserPrincipal) => {
        const assertion = (await assertionHeaders(service.url, principal))[ASSERTION_HEADER];
        const requestId = randomUUID();
        return createClinicalContext(createRequestContext({
          service: 'clinical', em: service.orm.em.fork(), principal, log: createLogger('test', 'silent'), requestId,
          policy: remoteAccessPolicy(accessDecisionsUrl(patients.url), { assertion, requestId }),
        }));
      };
      const found = await proceduresByEncounter(await contextFor(physician)).load(busiest);
      expect(found.map((p) => p.id).sort()).toEqual(byEncounter.get(busiest)!.map((p) => p.id!.toLowerCase()).sort());
      const starts = found.map((p) => p.performedStart.toISOString());
      expect(starts).toEqual([...starts].sort().reverse());
      expect(await proceduresByEncounter(await contextFor(staff('nurse', await insertOrganization(db.url)))).load(busiest)).toEqual([]);
    });
  });
});
