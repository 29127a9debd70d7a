import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import { ASSERTION_HEADER, AssertionVerifier, badInput, createErrorFormatter, createLogger, generateAssertionKeyPair, REQUEST_ID_HEADER, type AssertionKeyPair } from '@caregraph/platform';
import express from 'express';
import { parse } from 'graphql';
import { createGateway, type RunningGateway } from './gateway';

/**
 * The gateway against two tiny hand-written subgraphs (no database): request ids, partial data
 * when a subgraph is down, error masking, /health, /ready, the static web page.
 */
const logger = createLogger('gateway-test', 'silent');
const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';

const patientsSdl = `${FED}
type Query { patient(id: ID!): Patient  broken: String  invalid: String }
type Patient @key(fields: "id") { id: ID!  name: String! }`;
const clinicalSdl = `${FED}
type Query { encounterCount: Int }
type Patient @key(fields: "id") { id: ID!  encounterCount: Int }`;

interface TestSubgraph {
  url: string;
  /** x-request-id of every request this subgraph received. */
  requestIds: string[];
  assertions: string[];
  stop(): Promise<void>;
}

async function startSubgraph(name: string, sdl: string, resolvers: Record<string, any>): Promise<TestSubgraph> {
  const requestIds: string[] = [];
  const assertions: string[] = [];
  const app = express();
  const server = http.createServer(app);
  const apollo = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers }), formatError: createErrorFormatter(logger), plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await apollo.start();
  app.get('/ready', (_req, res) => {
    res.json({ status: 'ready', service: name });
  });
  app.use(
    '/graphql',
    express.json(),
    (req, _res, next) => {
      requestIds.push(String(req.headers[REQUEST_ID_HEADER]));
      assertions.push(String(req.headers[ASSERTION_HEADER]));
      next();
    },
    expressMiddleware(apollo),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requestIds,
    assertions,
    stop: () =>
      (stopped ??= (async () => {
        server.closeAllConnections();
        await apollo.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

function supergraphOf(subgraphs: Record<string, string>): string {
  const result = composeServices(Object.entries(subgraphs).map(([name, sdl]) => ({ name, url: `http://unused/${name}`, typeDefs: parse(sdl) })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, requestId: response.headers.get(REQUEST_ID_HEADER), body: (await response.json()) as { data?: any; errors?: any[] } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('gateway', () => {
  let patients: TestSubgraph;
  let clinical: TestSubgraph;
  let gateway: RunningGateway;
  let keys: AssertionKeyPair;

  beforeAll(async () => {
    keys = await generateAssertionKeyPair();
    patients = await startSubgraph('patients', patientsSdl, {
      Query: {
        patient: (_: unknown, { id }: { id: string }) => ({ id, name: 'Ada' }),
        broken: () => {
          throw new Error('database exploded at host db-01');
        },
        invalid: () => {
          throw badInput('id', 'id must be a UUID');
        },
      },
      Patient: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: 'Ada' }) },
    });
    clinical = await startSubgraph('clinical', clinicalSdl, {
      Query: { encounterCount: () => 0 },
      Patient: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, encounterCount: 3 }) },
    });
    gateway = await createGateway({
      supergraphSdl: supergraphOf({ patients: patientsSdl, clinical: clinicalSdl }),
      subgraphUrls: { patients: patients.url, clinical: clinical.url },
      port: 0,
      logger,
      assertionPrivateKey: keys.privateKeyPem,
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await patients?.stop();
    await clinical?.stop();
  });

  it('answers a query spanning two subgraphs and tags every hop with one request id', async () => {
    patients.requestIds.length = 0;
    clinical.requestIds.length = 0;
    const response = await post(gateway.url, '{ patient(id: "p1") { id name encounterCount } }');
    expect(response.body).toEqual({ data: { patient: { id: 'p1', name: 'Ada', encounterCount: 3 } } });
    expect(response.requestId).toMatch(UUID);
    expect(patients.requestIds).toEqual([response.requestId]);
    expect(clinical.requestIds).toEqual([response.requestId]);

    const second = await post(gateway.url, '{ patient(id: "p1") { id } }');
    expect(second.requestId).toMatch(UUID);
    expect(second.requestId).not.toBe(response.requestId);
  });

  it('sends each subgraph the caller as an assertion signed for that subgraph only', async () => {
    await post(gateway.url, '{ patient(id: "p1") { name encounterCount } }');
    const toPatients = patients.assertions.at(-1)!;
    const toClinical = clinical.assertions.at(-1)!;
    const patientsVerifier = await AssertionVerifier.fromPem(keys.publicKeyPem, 'patients');
    await expect(patientsVerifier.verify(toPatients)).resolves.toMatchObject({ principal: { kind: 'anonymous' } });
    // the clinical subgraph's assertion is useless at patients (and vice versa)
    await expect(patientsVerifier.verify(toClinical)).rejects.toThrow();
    await expect((await AssertionVerifier.fromPem(keys.publicKeyPem, 'clinical')).verify(toClinical)).resolves.toBeDefined();
  });

  it('keeps a well-formed request id from upstream and replaces a malformed one', async () => {
    const kept = await post(gateway.url, '{ patient(id: "p1") { id } }', { [REQUEST_ID_HEADER]: 'lb-trace.42' });
    expect(kept.requestId).toBe('lb-trace.42');
    expect(patients.requestIds.at(-1)).toBe('lb-trace.42');
    const replaced = await post(gateway.url, '{ patient(id: "p1") { id } }', { [REQUEST_ID_HEADER]: 'bad id; with spaces' });
    expect(replaced.requestId).toMatch(UUID);
  });

  it('passes client errors through with their field and masks internal ones', async () => {
    const invalid = await post(gateway.url, '{ invalid }');
    expect(invalid.body.errors).toEqual([
      expect.objectContaining({ message: 'id must be a UUID', path: ['invalid'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'id' }) }),
    ]);

    const broken = await post(gateway.url, '{ broken }');
    expect(broken.body.data).toEqual({ broken: null });
    const [error] = broken.body.errors ?? [];
    expect(error.message).toBe('Internal server error');
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(UUID), serviceName: 'patients' });
    expect(JSON.stringify(broken.body)).not.toContain('db-01');
  });

  it('rejects an invalid operation at the gateway without calling a subgraph', async () => {
    patients.requestIds.length = 0;
    const response = await post(gateway.url, '{ patient(id: "p1") { nope } }');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(patients.requestIds).toEqual([]);
  });

  it('serves /health, /ready and the web page', async () => {
    const health = await fetch(`${gateway.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', service: 'gateway' });

    const ready = await fetch(`${gateway.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', service: 'gateway', subgraphs: { patients: 'ready', clinical: 'ready' } });

    const page = await fetch(`${gateway.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('caregraph');
    expect(html).toContain('href="/graphql"');
  });

  // last: stops the clinical subgraph
  it('returns the rest of the data when a subgraph is down, and /ready names it', async () => {
    await clinical.stop();
    const response = await post(gateway.url, '{ patient(id: "p1") { id name encounterCount } }');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ patient: { id: 'p1', name: 'Ada', encounterCount: null } });
    expect(response.body.errors).toEqual([
      { message: 'The clinical service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'clinical' } },
    ]);
    expect(JSON.stringify(response.body)).not.toContain('127.0.0.1');

    const rootField = await post(gateway.url, '{ encounterCount patient(id: "p2") { name } }');
    expect(rootField.body.data).toEqual({ encounterCount: null, patient: { name: 'Ada' } });
    expect(rootField.body.errors?.map((e) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);

    const ready = await fetch(`${gateway.baseUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      service: 'gateway',
      subgraphs: { patients: 'ready', clinical: 'down' },
      down: ['clinical'],
    });
  });
});
