import { randomUUID } from 'node:crypto';
import { resourceId, type Principal } from '@caregraph/platform';
import type { Immunization as FhirImmunization } from '@medplum/fhirtypes';
import { expectRefusedFor, nonClinicalRoles, useChartServices, type ChartRecordRef } from '../../../../../test/support/chart-services';
import { insertOrganization, insertPatient, patientUser, staff, type UserPrincipal } from '../../../../../test/support/principals';
import {
  chartOfPatient, FIXTURE_FILES, isoDateTime, patientWithMost, providerOf, refId, resourcesOf, withResources,
} from '../../../../../test/support/synthea';
import { Immunization } from './immunization.entity';
import { immunizationsByEncounter } from './immunization.service';

const fixtureImmunizations = resourcesOf<FhirImmunization>('Immunization');
const immunizationsOf = (patientId: string) => fixtureImmunizations.filter((i) => refId(i.patient.reference) === patientId);
// the fixture patient with the most immunizations
const patientId = patientWithMost('Immunization');
const theirs = immunizationsOf(patientId);
// of an organization the imported patient was seen at
const physician = staff('physician', providerOf(theirs[0]));

const IMMUNIZATION_FIELDS = `id vaccineCode { system code display } status occurredAt primarySource patient { id } organization { id } encounter { id }`;
const RECORD = `mutation ($input: RecordImmunizationInput!) { recordImmunization(input: $input) { ${IMMUNIZATION_FIELDS} } }`;

describe('clinical subgraph: immunizations', () => {
  const chart = useChartServices('immunizations', { principal: () => physician });
  const { graphql, graphqlOk } = chart;
  const immunizations = chart.patientList('immunizations', 'id occurredAt status vaccineCode { code }', { status: 'ImmunizationStatus' }, { first: 100 });
  const immunizationsPage = immunizations.page;

  describe('FHIR import', () => {
    it('creates one row per fixture Immunization across all 17 bundles', async () => {
      expect(FIXTURE_FILES).toHaveLength(17);
      expect(fixtureImmunizations.length).toBeGreaterThan(100);
      await chart.expectEveryFixtureImported('Immunization', Immunization);
    });

    it('keeps vaccine codes, status, occurrence and primary source exactly as the bundle has them', async () => {
      const rows = new Map((await chart.em().find(Immunization, {})).map((row) => [row.id, row]));
      for (const source of fixtureImmunizations) {
        const coding = source.vaccineCode.coding![0];
        expect(rows.get(resourceId('Immunization', source.id!))).toMatchObject({
          patientId: refId(source.patient.reference),
          encounterId: refId(source.encounter!.reference),
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
      const fresh = { ...theirs[0], id: randomUUID() };
      const bad = { ...theirs[0], id: randomUUID(), ...change };
      await chart.expectImportRefused(withResources(chartOfPatient(patientId).bundle, fresh, bad), field);
      expect(await chart.em().count(Immunization, {})).toBe(fixtureImmunizations.length);
    });
  });

  describe('reads', () => {
    it("lists the patient's immunizations most recent first, and pages through them without repeats", async () => {
      const { nodes: seen, pages } = await immunizations.all(patientId, { first: 5 });
      for (const page of pages) expect(page.totalCount).toBe(theirs.length);
      expect(pages).toHaveLength(Math.ceil(theirs.length / 5));
      expect(seen).toHaveLength(theirs.length);
      expect(new Set(seen.map((i) => i.id))).toEqual(new Set(theirs.map((i) => i.id!.toLowerCase())));
      expect(seen.map((i) => i.occurredAt)).toEqual(theirs.map((i) => isoDateTime(i.occurrenceDateTime)).sort().reverse());
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
      const { immunization } = await graphqlOk(`query ($id: ID!) { immunization(id: $id) { ${IMMUNIZATION_FIELDS} } }`, { id });
      expect(immunization).toEqual({
        id,
        vaccineCode: source.vaccineCode.coding![0],
        status: 'COMPLETED',
        occurredAt: isoDateTime(source.occurrenceDateTime),
        primarySource: true,
        patient: { id: patientId },
        organization: { id: providerOf(source) },
        encounter: { id: refId(source.encounter!.reference) },
      });
      expect(await chart.references('Immunization', [id, randomUUID()], 'id status')).toEqual([{ id, status: 'COMPLETED' }, null]);
    });

    it('hides them from whoever may not see the clinical record, exactly like unknown ones', async () => {
      const immunization: ChartRecordRef = { typename: 'Immunization', id: theirs[0].id!, patientId, byId: 'immunization', list: 'immunizations' };
      for (const principal of await chart.strangers(physician.organizationId!)) {
        expect(await chart.seenBy(principal, immunization)).toEqual({ byId: null, entity: null, list: null });
      }
      expect((await immunizationsPage(patientId, {}, patientUser(patientId))).totalCount).toBe(theirs.length);
      expect(await immunizationsPage(randomUUID())).toBeNull();
    });

    it("batches an encounter's immunizations (DataLoader), leaving out those of patients the caller may not see", async () => {
      const encounterId = refId(theirs[0].encounter!.reference);
      const expected = fixtureImmunizations.filter((i) => refId(i.encounter!.reference) === encounterId).map((i) => i.id!.toLowerCase()).sort();
      const [found, none] = await immunizationsByEncounter(await chart.contextFor(physician)).loadMany([encounterId, randomUUID()]);
      expect((found as Immunization[]).map((i) => i.id).sort()).toEqual(expected);
      expect(none).toEqual([]);
      expect(await immunizationsByEncounter(await chart.contextFor(staff('physician', await insertOrganization(chart.db.url)))).load(encounterId)).toEqual([]);
    });
  });

  describe('recordImmunization', () => {
    let organizationId: string;
    let clinician: UserPrincipal;
    beforeAll(async () => {
      organizationId = await insertOrganization(chart.db.url);
      clinician = staff('nurse', organizationId);
    });
    const record = (input: Record<string, unknown>, principal: Principal = clinician) => graphql(RECORD, { input }, principal);
    const rowsOf = (id: string) => chart.em().count(Immunization, { patientId: id });
    const valid = (id: string) => ({
      patientId: id,
      vaccineCode: { system: 'http://hl7.org/fhir/sid/cvx', code: '208', display: 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose' },
      occurredAt: '2021-04-01T10:15:00+02:00',
    });

    it("records a vaccination for the caller's organization (completed and primary source unless said otherwise)", async () => {
      const id = await insertPatient(chart.db.url, [organizationId]);
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
      const write = { action: 'write', outcome: 'success', record_types: ['Immunization'], purpose: 'treatment', detail: { operation: 'create' } };
      expect(await chart.auditRows({ patientId: id, action: 'write' })).toEqual([write, write]);
    });

    describe('rejects bad input with BAD_USER_INPUT naming the field, and writes nothing', () => {
      let id: string;
      beforeAll(async () => {
        id = await insertPatient(chart.db.url, [organizationId]);
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
      const id = await insertPatient(chart.db.url, [organizationId]);
      await expectRefusedFor(nonClinicalRoles(organizationId, id), (principal) => record(valid(id), principal), 'FORBIDDEN');
      expect(await rowsOf(id)).toBe(0);
      expect((await record(valid(id), staff('physician', organizationId))).errors).toBeUndefined();
      expect(await rowsOf(id)).toBe(1);
      const [hidden] = await chart.hiddenAndUnknownPatients();
      expect((await record(valid(hidden))).errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'patientId' });
      expect(await rowsOf(hidden)).toBe(0);
    });
  });
});
