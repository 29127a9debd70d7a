import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseReference, resourceId, type FhirResource, type RunningSubgraph } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Bundle, Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { createTestDatabase } from '../../../../test/support/database';
import { insertOrganization, patientUser, staff, withSql } from '../../../../test/support/principals';
import { graphql, graphqlOk, startTestSubgraph, type CallOptions } from '../../../../test/support/services';
import { patientsSubgraph } from '../../../patients/src/subgraph';
import { Encounter } from '../encounter/encounter.entity';
import { clinicalSubgraph } from '../subgraph';
import { clinicalIngestor } from '../subgraph';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/synthea');
const FIXTURE = 'Coleman_Ortiz_70e00093-a3d5-42bc-8186-eface8432c02.json';


describe('clinical subgraph: FHIR ingestor', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let service: RunningSubgraph;
  // a physician of the organization the imported patient is registered at (the import itself grants no access)
  let physician: ReturnType<typeof staff>;
  const bundle = JSON.parse(readFileSync(path.join(FIXTURES, FIXTURE), 'utf8')) as Bundle;
  const resources = bundle.entry!.map((entry) => entry.resource as FhirResource);
  const view = bundleViewOf(resources);
  const encounters = resources.filter((r): r is FhirEncounter => r.resourceType === 'Encounter');
  const patientId = resources.find((r) => r.resourceType === 'Patient')!.id!;

  /** What the importer does: one transaction per bundle on a fork of the subgraph's EntityManager. */
  const ingest = (list: readonly FhirResource[] = encounters) =>
    service.orm.em.fork().transactional((em) => clinicalIngestor.ingest(em as EntityManager, list, view));

  beforeAll(async () => {
    db = await createTestDatabase('clinical_ingest');
    patients = await startTestSubgraph(patientsSubgraph, db.url); // the access policy clinical asks
    service = await startTestSubgraph(clinicalSubgraph, db.url);
    const organizationId = await insertOrganization(db.url);
    physician = staff('physician', organizationId);
    // the bundle's patient as the patients importer would leave it: a record, registered at the organization
    await withSql(db.url, async (sql) => {
      await sql(`insert into patients.patient (id, sort_name) values ($1, 'imported patient')`, [patientId]);
      await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values ($1, $2, $3, 'IMPORTED-1')`,
        [randomUUID(), patientId, organizationId]);
    });
  });
  afterAll(async () => {
    await service?.close();
    await patients?.close();
    await db?.drop();
  });

  it('creates one Encounter per bundle Encounter, then updates in place on a second run', async () => {
    expect(encounters.length).toBeGreaterThan(10);
    expect(await ingest()).toEqual({ Encounter: { created: encounters.length, updated: 0 } });
    expect(await ingest()).toEqual({ Encounter: { created: 0, updated: encounters.length } });
    expect(await service.orm.em.fork().count(Encounter, {})).toBe(encounters.length);
  });

  it('keeps codes, references and periods exactly as the bundle has them', async () => {
    const em = service.orm.em.fork();
    for (const source of encounters) {
      const row = await em.findOneOrFail(Encounter, { id: resourceId('Encounter', source.id!) });
      const firstType = source.type?.[0]?.coding?.[0];
      expect(row).toMatchObject({
        patientId,
        organizationId: parseReference(source.serviceProvider!.reference)!.id,
        status: source.status,
        classCode: source.class.code,
        type: firstType ? { system: firstType.system, code: firstType.code, display: firstType.display } : null,
        reasons: (source.reasonCode ?? []).flatMap((c) => c.coding ?? []).map((c) => ({ system: c.system, code: c.code, display: c.display })),
        periodStart: new Date(source.period!.start!),
        periodEnd: new Date(source.period!.end!),
        participantPractitionerIds: (source.participant ?? []).map((p) => parseReference(p.individual!.reference)!.id),
      });
    }
  });

  const PATIENT_ENCOUNTERS = `{ _entities(representations: [{ __typename: "Patient", id: "${patientId}" }]) {
    ... on Patient { encounters(first: 100) { totalCount edges { node { id periodStart } } } } } }`;

  it("serves the imported encounters as the patient's list, newest first", async () => {
    const data = await graphqlOk(service.url, PATIENT_ENCOUNTERS, {}, { principal: physician });
    const { totalCount, edges } = data._entities[0].encounters;
    expect(totalCount).toBe(encounters.length);
    const starts = edges.map((e: any) => e.node.periodStart);
    expect(starts).toEqual([...starts].sort().reverse());
  });

  it('serves them to the patient too, and to nobody the policy does not open them to', async () => {
    const asPatient = await graphqlOk(service.url, PATIENT_ENCOUNTERS, {}, { principal: patientUser(patientId) });
    expect(asPatient._entities[0].encounters.totalCount).toBe(encounters.length);

    const strangers: CallOptions['principal'][] = [
      staff('physician', await insertOrganization(db.url)), // not registered there, no consent
      patientUser(randomUUID()), // another patient
      staff('billing', physician.organizationId!), // registered, but clinical is not billing's
    ];
    for (const principal of strangers) {
      const response = await graphql(service.url, PATIENT_ENCOUNTERS, {}, { principal });
      expect(response.errors).toBeUndefined();
      expect(response.data._entities).toEqual([{ encounters: null }]);
    }
  });

  it('applies changes of a re-sent Encounter (status, end) to the same row', async () => {
    const source = encounters[0];
    const changed = { ...source, status: 'entered-in-error', period: { ...source.period, end: undefined } } as FhirEncounter;
    expect(await ingest([changed])).toEqual({ Encounter: { created: 0, updated: 1 } });
    const row = await service.orm.em.fork().findOneOrFail(Encounter, { id: resourceId('Encounter', source.id!) });
    expect(row.status).toBe('entered-in-error');
    expect(row.periodEnd).toBeNull();
  });

  it('refuses an Encounter without a service provider, naming the field, and rolls the bundle back', async () => {
    const before = await service.orm.em.fork().count(Encounter, {});
    const fresh = { ...encounters[1], id: '11111111-2222-4333-8444-555555555555' } as FhirEncounter;
    const broken = { ...encounters[2], id: '66666666-2222-4333-8444-555555555555', serviceProvider: undefined } as FhirEncounter;
    await expect(ingest([fresh, broken])).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'Encounter.serviceProvider' } });
    expect(await service.orm.em.fork().count(Encounter, {})).toBe(before);
  });
});
