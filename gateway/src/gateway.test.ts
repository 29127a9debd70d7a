import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import {
  ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, AssertionVerifier, badInput, createErrorFormatter, createLogger, ensureAuditSchema, generateAssertionKeyPair,
  generateSigningKeyPair, REQUEST_ID_HEADER, signAccessToken, type AssertionKeyPair, type TokenPrincipal,
} from '@caregraph/platform';
import express from 'express';
import { parse } from 'graphql';
import { Client } from 'pg';
import { createTestDatabase } from '../../test/support/database';
import { createGateway, type RunningGateway } from './gateway';

/**
 * The gateway against two tiny hand-written subgraphs: sign-in required, request ids, partial
 * data when a subgraph is down, error masking, /health, /ready, the static web page. The only
 * database is the audit log the gateway writes refused requests to.
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

/** Identity's signing keys for this file: the gateway trusts the public half. */
const tokenKeys = generateSigningKeyPair();
const NURSE: TokenPrincipal = { kind: 'user', userId: '6f1c2d3e-4a5b-4c6d-8e7f-901234567890', role: 'nurse', organizationId: '0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f', patientId: null, sessionId: 'session-1' };

/** POSTs as the signed-in nurse, unless `headers` sets its own authorization (or `null`: none). */
async function post(url: string, query: string, headers: Record<string, string | null> = {}) {
  const authorization = 'authorization' in headers ? headers.authorization : `Bearer ${await signAccessToken(NURSE, { privateKey: tokenKeys.privateKey })}`;
  const sent: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries({ ...headers, authorization })) if (value !== null && value !== undefined) sent[name] = value;
  const response = await fetch(url, { method: 'POST', headers: sent, body: JSON.stringify({ query }) });
  return { status: response.status, requestId: response.headers.get(REQUEST_ID_HEADER), headers: response.headers, body: (await response.json()) as { data?: any; errors?: any[] } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('gateway', () => {
  let patients: TestSubgraph;
  let clinical: TestSubgraph;
  let gateway: RunningGateway;
  let keys: AssertionKeyPair;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  /** The gateway's audit rows for requests refused before GraphQL. */
  const unauthenticatedRows = async (requestId: string) => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(`select service, actor_type, action, outcome, detail from audit.event where service = 'gateway' and action = 'unauthenticated' and request_id = $1`, [requestId])).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    keys = await generateAssertionKeyPair();
    db = await createTestDatabase('gateway');
    await ensureAuditSchema(db.url); // what the subgraphs do at start; none of these hand-written ones has a database
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
      accessTokenPublicKey: tokenKeys.publicKey,
      auditDatabaseUrl: db.url,
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await patients?.stop();
    await clinical?.stop();
    await db?.drop();
  });

  it('refuses a request without an access token with 401, calls no subgraph, and audits it', async () => {
    patients.requestIds.length = 0;
    clinical.requestIds.length = 0;
    const response = await post(gateway.url, '{ patient(id: "p1") { id name encounterCount } }', { authorization: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(response.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(response.body.data).toBeUndefined();
    expect(patients.requestIds).toEqual([]);
    expect(clinical.requestIds).toEqual([]);
    expect(response.requestId).toMatch(UUID);
    expect(await unauthenticatedRows(response.requestId!)).toEqual([
      { service: 'gateway', actor_type: 'anonymous', action: 'unauthenticated', outcome: 'denied', detail: expect.objectContaining({ reason: 'missing' }) },
    ]);

    // an Authorization header that is not a bearer token is no better
    const basic = await post(gateway.url, '{ patient(id: "p1") { id } }', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
    expect(basic.body.errors?.map((e) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(patients.requestIds).toEqual([]);
    expect(await unauthenticatedRows(basic.requestId!)).toEqual([expect.objectContaining({ action: 'unauthenticated', outcome: 'denied' })]);
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

  it('sends each subgraph the token\'s principal as an assertion for that subgraph (and the access policy) only', async () => {
    const response = await post(gateway.url, '{ patient(id: "p1") { name encounterCount } }');
    const toPatients = patients.assertions.at(-1)!;
    const toClinical = clinical.assertions.at(-1)!;
    const patientsVerifier = await AssertionVerifier.fromPem(keys.publicKeyPem, 'patients');
    const clinicalVerifier = await AssertionVerifier.fromPem(keys.publicKeyPem, 'clinical');
    await expect(patientsVerifier.verify(toPatients)).resolves.toEqual({ principal: NURSE, requestId: response.requestId, expiresAt: expect.any(Number) });
    await expect(clinicalVerifier.verify(toClinical)).resolves.toEqual({ principal: NURSE, requestId: response.requestId, expiresAt: expect.any(Number) });
    // the clinical subgraph's assertion is useless at patients' /graphql (and vice versa)...
    await expect(patientsVerifier.verify(toClinical)).rejects.toThrow();
    await expect(clinicalVerifier.verify(toPatients)).rejects.toThrow();
    // ...but either may be passed on to the access policy, which decides for that same principal
    const policyVerifier = await AssertionVerifier.fromPem(keys.publicKeyPem, ACCESS_POLICY_AUDIENCE);
    await expect(policyVerifier.verify(toClinical)).resolves.toMatchObject({ principal: NURSE });
    await expect(policyVerifier.verify(toPatients)).resolves.toMatchObject({ principal: NURSE });
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

  it('serves /health, /ready and the web client (its page for client routes, never for the API)', async () => {
    const health = await fetch(`${gateway.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', service: 'gateway' });

    const ready = await fetch(`${gateway.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', service: 'gateway', subgraphs: { patients: 'ready', clinical: 'ready' } });

    const page = await fetch(`${gateway.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<title>caregraph</title>');
    expect(html).toContain('<div id="root">');
    // a client-side route (a reload on the chart) gets the same page...
    const route = await fetch(`${gateway.baseUrl}/care/patients/0c7d1f5e-2a4b-4c6d-8e9f-0a1b2c3d4e5f`, { headers: { accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    // ...but the API's paths keep their own answers, and a missing file is a 404, not the page
    const csv = await fetch(`${gateway.baseUrl}/billing/claims.csv`, { headers: { accept: 'text/html' } });
    expect(csv.status).toBe(401);
    expect((await fetch(`${gateway.baseUrl}/assets/missing.js`, { headers: { accept: '*/*' } })).status).toBe(404);
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
