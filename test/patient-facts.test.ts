import path from 'node:path';
import { readdirSync } from 'node:fs';
import { createLogger, publishEvent, type RunningSubgraph } from '@caregraph/platform';
import { createImporter } from '@caregraph/tools';
import { PATIENT_DEMOGRAPHICS_TOPIC as PRODUCED_TOPIC } from '../subgraphs/patients/src/patient/demographics-events';
import { patientsSubgraph } from '../subgraphs/patients/src/subgraph';
import { PATIENT_DEMOGRAPHICS_TOPIC as CONSUMED_TOPIC, factsOf } from '../subgraphs/clinical/src/patient-facts';
import { clinicalSubgraph } from '../subgraphs/clinical/src/subgraph';
import { createTestDatabase } from './support/database';
import { eventually } from './support/eventually';
import { insertOrganization, staff, withSql } from './support/principals';
import { graphqlOk, startTestSubgraph } from './support/services';

jest.setTimeout(120_000);

const FIXTURES = path.resolve(__dirname, '../../shared/fixtures/synthea');

/**
 * The clinical subgraph keeps a copy of each patient's age-relevant demographics (care-gap rules
 * need them) from the patients subgraph's `patient.demographics` events: the two never read each
 * other's schema, so this proves the contract end to end through both real services.
 */
describe('patient facts: demographics flow from the patients subgraph to the clinical one', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let patients: RunningSubgraph;
  let clinical: RunningSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase('patient_facts');
    patients = await startTestSubgraph(patientsSubgraph, db.url);
    clinical = await startTestSubgraph(clinicalSubgraph, db.url); // starts the consumer
  });
  afterAll(async () => {
    await clinical?.close();
    await patients?.close();
    await db?.drop();
  });

  const facts = async (id: string) => (await factsOf(clinical.orm.em.fork(), [id])).get(id);
  it('both sides name the same topic', () => {
    expect(CONSUMED_TOPIC).toBe(PRODUCED_TOPIC);
  });

  it('a patient created, then updated, through the patients API shows up in the clinical copy with each change', async () => {
    const physician = staff('physician', await insertOrganization(db.url));
    const created = (await graphqlOk(patients.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`,
      { input: { names: [{ family: 'Facts', given: ['Flo'] }], birthDate: '1961-03-04', gender: 'FEMALE' } }, { principal: physician })).createPatient;
    expect(await eventually(() => facts(created.id), 'the created patient')).toMatchObject({ birthDate: '1961-03-04', gender: 'female', deceased: false });

    await graphqlOk(patients.url, `mutation ($input: UpdatePatientInput!) { updatePatient(input: $input) { id } }`,
      { input: { id: created.id, gender: 'OTHER', deceased: true } }, { principal: physician });
    expect(await eventually(async () => { const updated = await facts(created.id); return updated?.gender === 'other' ? updated : null; }, 'the update'))
      .toMatchObject({ birthDate: '1961-03-04', gender: 'other', deceased: true });
  });

  it('an older event arriving after a newer one changes nothing', async () => {
    const physician = staff('physician', await insertOrganization(db.url));
    const { id } = (await graphqlOk(patients.url, `mutation ($input: CreatePatientInput!) { createPatient(input: $input) { id } }`,
      { input: { names: [{ family: 'Order' }], birthDate: '1990-01-01', gender: 'MALE' } }, { principal: physician })).createPatient;
    await eventually(() => facts(id), 'the patient');
    const [{ last_event_id: applied }] = await withSql(db.url, (q) => q('select last_event_id::text from clinical.patient_facts where patient_id = $1', [id]));
    // as if a newer event had been applied already: the next real event is older than what the row reflects
    await withSql(db.url, (q) => q(`update clinical.patient_facts set last_event_id = last_event_id + 1000000 where patient_id = $1`, [id]));
    const stale = await publishEvent(patients.orm.em.fork(), { topic: PRODUCED_TOPIC, key: id, producer: 'patients', payload: { patientId: id, birthDate: '2000-12-31', gender: 'female', deceased: false } });
    expect(BigInt(stale)).toBeGreaterThan(BigInt(applied));
    await eventually(async () => BigInt((await withSql(db.url, (q) => q(`select last_id from events.consumer_offset where consumer = 'clinical.patient-facts' and topic = $1`, [PRODUCED_TOPIC])))[0]?.last_id ?? 0) >= BigInt(stale),
      'the stale event to be consumed');
    expect(await facts(id)).toMatchObject({ birthDate: '1990-01-01', gender: 'male' });
  });

  it('the FHIR import publishes every imported patient, so the clinical copy holds all 17 fixture patients', async () => {
    const importer = await createImporter({ databaseUrl: db.url, logger: createLogger('import', 'silent') });
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
    try {
      for (const file of files) await importer.importFile(path.join(FIXTURES, file));
    } finally {
      await importer.close();
    }
    const expected = await withSql(db.url, (q) => q(`select id, to_char(birth_date, 'YYYY-MM-DD') as birth_date, gender from patients.patient
      where id in (select patient_id from patients.patient_registration r join patients.organization o on o.id = r.organization_id where o.name not like 'Test Hospital%')`));
    expect(expected).toHaveLength(files.length);
    const copied = await eventually(async () => { const map = await factsOf(clinical.orm.em.fork(), expected.map((row) => row.id)); return map.size === files.length ? map : null; }, 'every fixture patient');
    for (const row of expected) expect(copied.get(row.id)).toMatchObject({ birthDate: row.birth_date, gender: row.gender });
  });
});
