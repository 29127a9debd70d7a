import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessDecisionsUrl, type RunningSubgraph } from '@caregraph/platform';
import { eventually } from '../../../../test/support/eventually';
import { insertOrganization, staff } from '../../../../test/support/principals';
import { graphqlOk, startTestSubgraph } from '../../../../test/support/services';
import { captureStatements, type Statement } from '../../../../test/support/statements';
import { useChartServices } from '../../../../test/support/chart-services';
import { largestFixture } from '../../../../test/support/synthea';
import { clinicalSubgraph } from '../subgraph';

jest.setTimeout(240_000);

/**
 * The real access decisions endpoint at `target`, behind a proxy that holds every answer until
 * `release()`: what the clinical subgraph does while its policy's round trip is under way.
 */
async function heldAccessPolicy(target: string): Promise<{ url: string; asked: () => number; release: () => void; close: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let asked = 0;
  const server = createServer(async (request, response) => {
    asked += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    await released;
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
    const answer = await fetch(target, { method: 'POST', headers, body: Buffer.concat(chunks) });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/internal/access-decisions`,
    asked: () => asked,
    release,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * An encounter page's linked records (RecordsByEncounterLoader.prefetch) are read as soon as the
 * page is, beside the access policy's decision, not after it and after every other chart list;
 * what was read reaches the caller only when the decision allows it.
 */
describe("an encounter page's linked records", () => {
  const fixture = largestFixture();
  const physician = staff('physician', fixture.organizationIds[0]);
  const chart = useChartServices('prefetch', { fixtures: [fixture.file], principal: () => physician });
  const query = `query ($id: ID!, $page: Int) { _entities(representations: [{ __typename: "Patient", id: $id }]) { ... on Patient {
    encounters(first: 10) { edges { node { id ...linked } } } } } }
    fragment linked on Encounter { conditions { id code { code } } observations(first: $page) { id valueQuantity { value unit } } medicationRequests { id } }`;
  const linkedRead = (statement: Statement, table: string) => statement.sql.includes(`from "clinical"."${table}"`) && statement.sql.includes('partition by');

  /** A second clinical subgraph on the same database, whose access policy answers only when released. */
  async function withHeldPolicy<T>(work: (held: RunningSubgraph, policy: Awaited<ReturnType<typeof heldAccessPolicy>>) => Promise<T>): Promise<T> {
    const policy = await heldAccessPolicy(accessDecisionsUrl(chart.patients.url));
    const held = await startTestSubgraph(clinicalSubgraph, chart.db.url, { accessPolicyUrl: policy.url });
    try {
      return await work(held, policy);
    } finally {
      policy.release();
      await held.close();
      await policy.close();
    }
  }

  it('are read while the access decision is still on its way, and answer as they would after it', async () => {
    const expected = await chart.graphqlOk(query, { id: fixture.patientId, page: 5 });
    const answer = await withHeldPolicy(async (held, policy) => {
      const { result } = await captureStatements([held.orm], async (sent) => {
        const answering = graphqlOk(held.url, query, { id: fixture.patientId, page: 5 }, { principal: physician });
        await eventually(() => policy.asked() > 0 && ['condition', 'observation', 'medication_request'].every((table) => sent.some((statement) => linkedRead(statement, table))),
          'the linked conditions, observations and medications read before the decision is answered');
        policy.release();
        return answering;
      });
      return result;
    });
    expect(answer).toEqual(expected);
    const encounters = answer._entities[0].encounters.edges;
    expect(encounters).toHaveLength(10);
    expect(encounters.some((edge: any) => edge.node.observations.length === 5)).toBe(true); // the page size of the variable
    expect(encounters.some((edge: any) => edge.node.conditions.length > 0)).toBe(true);
  });

  it('reach nobody, and are not audited, when the decision refuses', async () => {
    const stranger = staff('physician', await insertOrganization(chart.db.url));
    await withHeldPolicy(async (held, policy) => {
      await captureStatements([held.orm], async (sent) => {
        const answering = graphqlOk(held.url, query, { id: fixture.patientId, page: 5 }, { principal: stranger });
        await eventually(() => policy.asked() > 0 && sent.some((statement) => linkedRead(statement, 'observation')), 'the linked observations read before the refusal');
        policy.release();
        expect((await answering)._entities[0].encounters).toBeNull();
      });
    });
    const rows = await chart.auditRows({ patientId: fixture.patientId, actorId: (stranger as { userId: string }).userId });
    expect(rows.length).toBeGreaterThan(0);
    // the refusal of the page, and nothing of the records read for it
    for (const row of rows) expect(row).toMatchObject({ outcome: 'denied', record_types: ['Encounter'] });
  });
});
