import { randomUUID } from 'node:crypto';
import { parseReference, resourceId, type FhirResource } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Encounter as FhirEncounter } from '@medplum/fhirtypes';
import { bundleViewOf } from '../../../../test/support/bundle-view';
import { useChartServices } from '../../../../test/support/chart-services';
import { insertOrganization, patientUser, staff, withSql } from '../../../../test/support/principals';
import { fixtureChart } from '../../../../test/support/synthea';
import { Encounter } from '../encounter/encounter.entity';
import { clinicalIngestor } from '../subgraph';

const FIXTURE = fixtureChart('Coleman_Ortiz');

describe('clinical subgraph: FHIR ingestor', () => {
  // a physician of the organization the imported patient is registered at (the import itself grants no access)
  let physician: ReturnType<typeof staff>;
  const chart = useChartServices('clinical_ingest', { fixtures: false, principal: () => physician });
  const resources = FIXTURE.bundle.entry!.map((entry) => entry.resource as FhirResource);
  const view = bundleViewOf(resources);
  const encounters = FIXTURE.of<FhirEncounter>('Encounter');
  const patientId = FIXTURE.patientId;

  /** What the importer does: one transaction per bundle on a fork of the subgraph's EntityManager. */
  const ingest = (list: readonly FhirResource[] = encounters) =>
    chart.em().transactional((em) => clinicalIngestor.ingest(em as EntityManager, list, view));

  beforeAll(async () => {
    const organizationId = await insertOrganization(chart.db.url);
    physician = staff('physician', organizationId);
    // the bundle's patient as the patients importer would leave it: a record, registered at the organization
    await withSql(chart.db.url, async (sql) => {
      await sql(`insert into patients.patient (id, sort_name) values ($1, 'imported patient')`, [patientId]);
      await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values ($1, $2, $3, 'IMPORTED-1')`,
        [randomUUID(), patientId, organizationId]);
    });
  });

  it('creates one Encounter per bundle Encounter, then updates in place on a second run', async () => {
    expect(encounters.length).toBeGreaterThan(10);
    expect(await ingest()).toEqual({ Encounter: { created: encounters.length, updated: 0 } });
    expect(await ingest()).toEqual({ Encounter: { created: 0, updated: encounters.length } });
    expect(await chart.em().count(Encounter, {})).toBe(encounters.length);
  });

  it('keeps codes, references and periods exactly as the bundle has them', async () => {
    const em = chart.em();
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

  const patientEncounters = chart.patientList('encounters', 'id periodStart', {}, { first: 100 });

  it("serves the imported encounters as the patient's list, newest first", async () => {
    const { totalCount, edges } = await patientEncounters.page(patientId);
    expect(totalCount).toBe(encounters.length);
    const starts = edges.map((e: any) => e.node.periodStart);
    expect(starts).toEqual([...starts].sort().reverse());
  });

  it('serves them to the patient too, and to nobody the policy does not open them to', async () => {
    const asPatient = await patientEncounters.page(patientId, {}, patientUser(patientId));
    expect(asPatient.totalCount).toBe(encounters.length);

    // a physician elsewhere (not registered there, no consent), billing (registered, but clinical is not billing's), another patient
    for (const principal of await chart.strangers(physician.organizationId!)) {
      expect(await patientEncounters.page(patientId, {}, principal)).toBeNull();
    }
  });

  it('applies changes of a re-sent Encounter (status, end) to the same row', async () => {
    const source = encounters[0];
    const changed = { ...source, status: 'entered-in-error', period: { ...source.period, end: undefined } } as FhirEncounter;
    expect(await ingest([changed])).toEqual({ Encounter: { created: 0, updated: 1 } });
    const row = await chart.em().findOneOrFail(Encounter, { id: resourceId('Encounter', source.id!) });
    expect(row.status).toBe('entered-in-error');
    expect(row.periodEnd).toBeNull();
  });

  it('refuses an Encounter without a service provider, naming the field, and rolls the bundle back', async () => {
    const before = await chart.em().count(Encounter, {});
    const fresh = { ...encounters[1], id: '11111111-2222-4333-8444-555555555555' } as FhirEncounter;
    const broken = { ...encounters[2], id: '66666666-2222-4333-8444-555555555555', serviceProvider: undefined } as FhirEncounter;
    await expect(ingest([fresh, broken])).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'Encounter.serviceProvider' } });
    expect(await chart.em().count(Encounter, {})).toBe(before);
  });
});
