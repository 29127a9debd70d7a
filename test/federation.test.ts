import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, resourceId } from '@caregraph/platform';
import { createImporter } from '@caregraph/tools';
import { bearer, startTestPlatform, type TestPlatform } from './support/platform';
import { patientUser, staff } from './support/principals';
import { graphql as call, graphqlOk as callOk } from './support/services';

/** A patient seen at several organizations, with encounters and claims. */
const FIXTURE = path.resolve(__dirname, '../../shared/fixtures/synthea/Tonia_Quitzon_30e6c1c1-df11-44d8-9a20-63876fabc494.json');
/** A patient of none of the first one's organizations: a record outside the first one's chart. */
const OTHER_FIXTURE = path.resolve(__dirname, '../../shared/fixtures/synthea/Lemuel_Hodkiewicz_ece76cc5-d728-4ddd-a85d-a47de7d1649a.json');

const PATIENT_ACROSS_THE_GRAPH = `query ($id: ID!) {
  patient(id: $id) {
    id
    names { family }
    registrations { mrn organization { id name } }
    encounters(first: 100) { totalCount edges { node { id periodStart organization { id name } } } }
    claims(first: 100) { totalCount edges { node { id total { amount currency } encounter { id periodStart } } } }
    chartComments(first: 10) { edges { node { body } } }
  }
}`;

describe('the federated graph through the gateway', () => {
  const logger = createLogger('federation-test', 'silent');
  let platform: TestPlatform;
  type Bundle = { entry: { resource: { resourceType: string; id: string; serviceProvider?: { reference: string }; code?: { coding: { code: string }[] } } }[] };
  const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Bundle;
  const resources = (type: string, of = bundle) => of.entry.map((e) => e.resource).filter((r) => r.resourceType === type);
  const otherBundle = JSON.parse(readFileSync(OTHER_FIXTURE, 'utf8')) as Bundle;
  const patientId = resourceId('Patient', resources('Patient')[0].id);
  const providers = new Set(resources('Encounter').map((e) => resourceId('Organization', e.serviceProvider!.reference.replace('urn:uuid:', ''))));
  // the patient reads their whole record; a physician of one of their providers comments on it
  const patient = patientUser(patientId);
  const physician = staff('physician', [...providers][0]);
  const graphql = async (query: string, variables: Record<string, unknown>, as = patient) =>
    call(platform.gateway.url, query, variables, { headers: await bearer(as) });
  const graphqlOk = async (query: string, variables: Record<string, unknown>, as = patient) =>
    callOk(platform.gateway.url, query, variables, { headers: await bearer(as) });

  beforeAll(async () => {
    platform = await startTestPlatform('federation', async (databaseUrl) => {
      const importer = await createImporter({ databaseUrl, logger });
      await importer.importFile(FIXTURE);
      await importer.importFile(OTHER_FIXTURE);
      await importer.close();
    });
  });

  afterAll(async () => {
    await platform?.close();
  });

  it('answers one query with data from all four subgraphs', async () => {
    const { addChartComment } = await graphqlOk(`mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { id body } }`, {
      input: { patientId, body: 'Cardiology follow-up booked at the other hospital.' },
    }, physician);
    expect(addChartComment.body).toBe('Cardiology follow-up booked at the other hospital.');

    const { patient } = await graphqlOk(PATIENT_ACROSS_THE_GRAPH, { id: patientId });

    // patients: one registration per organization that saw the patient
    expect(patient.registrations.map((r: any) => r.organization.id).sort()).toEqual([...providers].sort());
    expect(providers.size).toBeGreaterThan(1);
    // clinical: every encounter, each naming its organization (resolved by the patients subgraph)
    expect(patient.encounters.totalCount).toBe(resources('Encounter').length);
    expect(patient.encounters.edges.every((e: any) => providers.has(e.node.organization.id) && e.node.organization.name)).toBe(true);
    // billing: every claim, each linked to its encounter (resolved by the clinical subgraph)
    expect(patient.claims.totalCount).toBe(resources('Claim').length);
    expect(patient.claims.edges.filter((e: any) => e.node.encounter?.periodStart).length).toBe(resources('Claim').length);
    // messaging
    expect(patient.chartComments.edges.map((e: any) => e.node.body)).toEqual(['Cardiology follow-up booked at the other hospital.']);
  });

  it('answers a nonexistent patient with null, not an error', async () => {
    const { patient: unknown } = await graphqlOk(PATIENT_ACROSS_THE_GRAPH, { id: '00000000-0000-4000-8000-000000000000' }, physician);
    expect(unknown).toBeNull();
  });

  it("names the record a comment is pinned to from the subgraph that owns it, and nothing of a record outside the comment's chart", async () => {
    const [own] = resources('Observation');
    const [outside] = resources('Observation', otherBundle);
    expect(resources('Encounter', otherBundle).every((e) => !providers.has(resourceId('Organization', e.serviceProvider!.reference.replace('urn:uuid:', ''))))).toBe(true);
    const pins = { own: resourceId('Observation', own.id), outside: resourceId('Observation', outside.id), unknown: '00000000-0000-4000-8000-0000000000ab' };
    for (const [name, id] of Object.entries(pins)) {
      await graphqlOk(`mutation ($input: AddChartCommentInput!) { addChartComment(input: $input) { id } }`, {
        input: { patientId, body: `Pinned: ${name}`, anchor: { type: 'OBSERVATION', id } },
      }, physician);
    }
    const { patient: chart } = await graphqlOk(`query ($id: ID!) { patient(id: $id) { chartComments(first: 10) { edges { node { body
      anchor { type id record { __typename ... on Observation { id code { code } chartComments(first: 5) { totalCount } } } } } } } } }`, { id: patientId }, physician);
    const recordOf = (name: string) => chart.chartComments.edges.find((e: any) => e.node.body === `Pinned: ${name}`).node.anchor;
    // the observation on this chart, read from clinical, which leads back to its comments
    expect(recordOf('own')).toEqual({ type: 'OBSERVATION', id: pins.own, record: { __typename: 'Observation', id: pins.own, code: { code: own.code!.coding[0].code }, chartComments: { totalCount: 1 } } });
    // another patient's observation pinned here (an anchor is any id) is not read through the comment, nor is an unknown one
    expect(recordOf('outside')).toEqual({ type: 'OBSERVATION', id: pins.outside, record: null });
    expect(recordOf('unknown')).toEqual({ type: 'OBSERVATION', id: pins.unknown, record: null });
  });

  it('returns partial data with an error entry when one subgraph is down', async () => {
    await platform.subgraphs.clinical.close(); // stays down: this test runs last
    const response = await graphql(PATIENT_ACROSS_THE_GRAPH, { id: patientId });
    expect(response.status).toBe(200);
    expect(response.data.patient.encounters).toBeNull();
    expect(response.errors?.length).toBeGreaterThan(0);
    // everything the other subgraphs own is still there
    expect(response.data.patient.names[0].family).toBeTruthy();
    expect(response.data.patient.registrations.length).toBeGreaterThan(1);
    expect(response.data.patient.claims.totalCount).toBe(resources('Claim').length);
    expect(response.data.patient.chartComments.edges).toHaveLength(4); // the tests' above
    // no internal address leaks to the client
    expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});
