import type { Condition, Encounter, MedicationRequest, Observation } from '@medplum/fhirtypes';
import { createLogger } from '@caregraph/platform';
import { createImporter, FULL_CHART_QUERY } from '@caregraph/tools';
import { createGateway } from '@caregraph/gateway';
import { clinicalSubgraph } from '@caregraph/clinical';
import { eventsConsumed } from './support/events';
import { staff } from './support/principals';
import { bearer, startTestPlatform, testAccessTokenKeys, type TestPlatform } from './support/platform';
import { graphql, startTestSubgraph, testAssertionKeys } from './support/services';
import { countStatements } from './support/statements';
import { FIXTURE_FILES, largestFixture, refId, resourcesOf } from './support/synthea';

jest.setTimeout(240_000);

/**
 * The whole chart of the longest fixture history through the gateway, as a clinician's chart
 * screen asks for it (tools/src/bench/chart.ts, the query the bench times): complete, with the
 * source of every item, and at a number of SQL statements that does not grow with the lists.
 */
describe('the full chart through the gateway', () => {
  const { bundle, patientId } = largestFixture();
  const encounters = resourcesOf<Encounter>('Encounter', bundle);
  const organizationId = refId(encounters[0].serviceProvider!.reference);
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform('full_chart', async (url) => {
      const importer = await createImporter({ databaseUrl: url, logger: createLogger('import', 'silent') });
      try {
        await importer.importAll(FIXTURE_FILES.map((file) => ({ file })));
      } finally {
        await importer.close();
      }
    });
  });
  afterAll(() => platform?.close());

  const physician = staff('physician', organizationId);
  const chart = async (pageSizes: { page?: number; recent?: number } = {}) => {
    const response = await graphql(platform.gateway.url, FULL_CHART_QUERY, { id: patientId, ...pageSizes }, { headers: await bearer(physician) });
    expect(response.errors).toBeUndefined();
    return response.data!.patient;
  };
  /** The statements both subgraphs that serve the chart send for one chart request. */
  const statementsOf = async (pageSizes: { page?: number; recent?: number } = {}) =>
    (await countStatements([platform.subgraphs.patients.orm, platform.subgraphs.clinical.orm], () => chart(pageSizes))).statements;

  it('holds every list of the fixture with its totals, newest first, each item with its source organization', async () => {
    const patient = await chart();
    const active = resourcesOf<Condition>('Condition', bundle).filter((c) => ['active', 'recurrence', 'relapse'].includes(c.clinicalStatus!.coding![0].code!));
    expect(patient.activeProblems.totalCount).toBe(active.length);
    const activeMeds = resourcesOf<MedicationRequest>('MedicationRequest', bundle).filter((m) => m.status === 'active');
    expect(patient.activeMedications.totalCount).toBe(activeMeds.length);
    expect(patient.observations.totalCount).toBe(resourcesOf<Observation>('Observation', bundle).length);
    expect(patient.encounters.totalCount).toBe(encounters.length);
    expect(patient.conditions.totalCount).toBe(resourcesOf('Condition', bundle).length);
    expect(patient.immunizations.totalCount).toBe(resourcesOf('Immunization', bundle).length);
    expect(patient.procedures.totalCount).toBe(resourcesOf('Procedure', bundle).length);
    expect(patient.diagnosticReports.totalCount).toBe(resourcesOf('DiagnosticReport', bundle).length);

    const fixtureOrganizations = new Set(encounters.map((e) => refId(e.serviceProvider!.reference)));
    for (const edge of [...patient.activeProblems.edges, ...patient.observations.edges, ...patient.diagnosticReports.edges]) {
      expect(fixtureOrganizations.has(edge.node.organization.id)).toBe(true);
    }
    expect(patient.activeProblems.edges[0].node.organization.name).toEqual(expect.any(String)); // resolved by the patients subgraph
    const dates = patient.observations.edges.map((edge: any) => edge.node.effectiveAt);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(patient.latestVitals.length).toBeGreaterThan(0);
    expect(patient.bloodPressure.length).toBeGreaterThan(0);
    expect(patient.bloodPressure[0]).toMatchObject({ systolic: expect.any(Number), diastolic: expect.any(Number), unit: 'mm[Hg]' });
  });

  it('links each encounter to the records made in it', async () => {
    const patient = await chart();
    const linked = new Map<string, number>();
    for (const o of resourcesOf<Observation>('Observation', bundle)) {
      const id = refId(o.encounter!.reference);
      linked.set(id, (linked.get(id) ?? 0) + 1);
    }
    for (const { node } of patient.encounters.edges) {
      expect({ encounter: node.id, observations: node.observations.length }).toEqual({ encounter: node.id, observations: Math.min(50, linked.get(node.id) ?? 0) });
    }
    const withConditions = patient.encounters.edges.filter((edge: any) => edge.node.conditions.length);
    const conditionIds = new Set(resourcesOf<Condition>('Condition', bundle).map((c) => c.id!.toLowerCase()));
    for (const { node } of withConditions) for (const condition of node.conditions) expect(conditionIds.has(condition.id)).toBe(true);
  });

  it('costs a bounded number of SQL statements, the same however many items the lists hold', async () => {
    await eventsConsumed(platform.db.url); // the clinical subgraph's event consumer is quiet: every statement counted is the chart's
    // warm: pools open, and every organization of the larger lists in the gateway's entity cache
    await chart({ page: 100, recent: 40 });
    const fewer = await statementsOf({ page: 25, recent: 10 });
    const more = await statementsOf({ page: 100, recent: 40 }); // four times the items in every list
    expect(more.length).toBe(fewer.length);
    // 31 today: a statement per list, its total read with its page (15 lists), one per linked
    // record type (6), the latest vitals and two trends, the patient and registrations, one access
    // decision per subgraph, the audit rows (organization names come from the gateway's entity
    // cache, see below). Nothing per item, though the patient has hundreds of them.
    expect(more.length).toBeLessThanOrEqual(34);
  });

  it("asks the patients subgraph for organization names once: later charts take them from the gateway's entity cache", async () => {
    const first = await chart();
    const { statements } = await countStatements([platform.subgraphs.patients.orm], () => chart());
    // one: the registrations' organizations, which the patients subgraph resolves itself in the
    // chart's first fetch; none for the organizations of the chart items (six entity fetches without the cache)
    expect(statements.filter((sql) => /from "patients"\."organization"/.test(sql))).toHaveLength(1);
    // what is not directory data is still asked every time
    expect(statements.filter((sql) => /from "patients"\."patient_registration"/.test(sql)).length).toBeGreaterThan(0);

    // and the names are the organizations' own
    const names = new Map<string, string>();
    for (const { node } of first.activeProblems.edges) names.set(node.organization.id, node.organization.name);
    for (const { node } of first.encounters.edges) names.set(node.organization.id, node.organization.name);
    for (const [id, name] of names) {
      const response = await graphql(platform.gateway.url, 'query($id: ID!) { organization(id: $id) { name } }', { id }, { headers: await bearer(physician) });
      expect(response.data).toEqual({ organization: { name } });
    }
    expect(names.size).toBeGreaterThan(0);
  });

  it('shows a renamed organization by its new name on the next chart: the rename went through this gateway, which forgets the names it held', async () => {
    const before = await chart();
    const held = before.encounters.edges.map(({ node }: { node: { organization: { id: string; name: string } } }) => node.organization).find((organization: { id: string }) => organization.id === organizationId);
    expect(held).toBeDefined();
    const renamed = `${held.name} (renamed)`;
    const admin = staff('org_admin', organizationId);
    const update = await graphql(platform.gateway.url, 'mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id name } }',
      { input: { id: organizationId, name: renamed } }, { headers: await bearer(admin) });
    expect(update.errors).toBeUndefined();
    try {
      const after = await chart();
      const shown = after.encounters.edges.map(({ node }: { node: { organization: { id: string; name: string } } }) => node.organization).filter((organization: { id: string }) => organization.id === organizationId);
      expect(shown.length).toBeGreaterThan(0);
      expect(new Set(shown.map((organization: { name: string }) => organization.name))).toEqual(new Set([renamed]));
    } finally {
      await graphql(platform.gateway.url, 'mutation ($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id } }',
        { input: { id: organizationId, name: held.name } }, { headers: await bearer(admin) });
    }
  });

  it('answers the same whole chart when the clinical subgraph interprets operations with graphql-js (GRAPHQL_EXECUTOR) instead of compiling them', async () => {
    const interpreted = await startTestSubgraph(clinicalSubgraph, platform.db.url, { executor: 'graphql-js' });
    const gateway = await createGateway({
      logger: createLogger('gateway', 'silent'),
      port: 0,
      assertionPrivateKey: (await testAssertionKeys()).pair.privateKeyPem,
      accessTokenPublicKey: testAccessTokenKeys().publicKey,
      auditDatabaseUrl: platform.db.url,
      rateLimit: false,
      subgraphUrls: { ...Object.fromEntries(Object.entries(platform.subgraphs).map(([name, service]) => [name, service.url])), clinical: interpreted.url },
    });
    try {
      const viaInterpreted = await graphql(gateway.url, FULL_CHART_QUERY, { id: patientId }, { headers: await bearer(physician) });
      expect(viaInterpreted.errors).toBeUndefined();
      expect(await chart()).toEqual(viaInterpreted.data!.patient);
    } finally {
      await gateway.close();
      await interpreted.close();
    }
  });
});

