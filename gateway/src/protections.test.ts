import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import { FULL_CHART_QUERY } from '@caregraph/tools';
import { createErrorFormatter, createLogger, generateAssertionKeyPair, generateSigningKeyPair, signAccessToken, type TokenPrincipal } from '@caregraph/platform';
import express from 'express';
import { parse, validate } from 'graphql';
import { createGateway, SUPERGRAPH_PATH, type GatewayOptions, type RunningGateway } from './gateway';
import { DEFAULT_QUERY_LIMITS, queryProtection } from './query-limits';
import { createRateLimiters, rateLimitKey, type CallerPrincipal } from './rate-limit';

/**
 * The gateway's protections against one small hand-written subgraph: query limits (graphql-armor),
 * introspection and suggestions by mode, CSRF prevention, body size and batching, error masking in
 * production, and per-caller rate limits. Every request carries a valid access token unless a
 * test says otherwise: the gateway refuses callers without one before any of this.
 */
const logger = createLogger('gateway-protections-test', 'silent');
const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';
const sdl = `${FED}
type Query { patient(id: ID!, tags: [String!]): Patient  broken: String  badGateway: String }
type Patient @key(fields: "id") { id: ID!  name: String!  contacts(first: Int): [Patient!]! }`;

interface TestSubgraph {
  url: string;
  /** Operations this subgraph received (to prove a rejected one never arrived). */
  calls: number;
  stop(): Promise<void>;
}

async function startSubgraph(): Promise<TestSubgraph> {
  const state = { calls: 0 };
  const patient = (id: string) => ({ id, name: 'Ada' });
  const resolvers = {
    Query: {
      patient: (_: unknown, { id }: { id: string }) => patient(id),
      broken: () => {
        throw new Error('insert into "patients"."patient" (name) values ($1) - duplicate key; at host db-01');
      },
    },
    Patient: {
      contacts: (p: { id: string }) => [patient(`${p.id}-c`)],
      __resolveReference: (ref: { id: string }) => patient(ref.id),
    },
  };
  const app = express();
  const server = http.createServer(app);
  const apollo = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers }), formatError: createErrorFormatter(logger), plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await apollo.start();
  app.use('/graphql', express.json(), (req, res, next) => {
    state.calls++;
    // a subgraph that fails below GraphQL (proxy error page naming an internal host)
    if (JSON.stringify(req.body).includes('badGateway')) {
      res.status(502).type('text/html').send('<h1>502 Bad Gateway</h1> upstream http://10.1.2.3:4001/graphql failed');
      return;
    }
    next();
  }, expressMiddleware(apollo));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get calls() {
      return state.calls;
    },
    set calls(n: number) {
      state.calls = n;
    },
    stop: async () => {
      server.closeAllConnections();
      await apollo.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function supergraphSdl(): string {
  const result = composeServices([{ name: 'patients', url: 'http://unused/patients', typeDefs: parse(sdl) }]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, any> }[] };
  text: string;
}

/** Identity's signing keys for this file: every gateway here trusts the public half. */
const tokenKeys = generateSigningKeyPair();
const userPrincipal = (userId: string): TokenPrincipal => ({ kind: 'user', userId, role: 'physician', organizationId: null, patientId: null, sessionId: `session-${userId}` });
const bearerFor = async (userId: string) => `Bearer ${await signAccessToken(userPrincipal(userId), { privateKey: tokenKeys.privateKey })}`;
/** The signed-in caller of most tests (set in beforeAll). */
let authorization: string;

/** Sends as the signed-in caller unless `init.headers` names its own authorization. */
async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, { ...init, headers: { authorization, ...(init.headers as Record<string, string> | undefined) } });
  const text = await response.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the test asserting on it will say so
  }
  return { status: response.status, headers: response.headers, body, text };
}

const post = (url: string, query: string, headers: Record<string, string> = {}) =>
  send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

/** `{ patient { id contacts { contacts { … { id } } } } }`: `levels` of contacts, so depth levels + 2. */
const nested = (levels: number, first?: number) => {
  const open = `contacts${first === undefined ? '' : `(first: ${first})`} { `;
  return `{ patient(id: "p1") { id ${open.repeat(levels)}id ${'} '.repeat(levels)}} }`;
};

describe('gateway protections', () => {
  let subgraph: TestSubgraph;
  let dev: RunningGateway;
  let prod: RunningGateway;
  const gateways: RunningGateway[] = [];
  const start = async (options: Partial<GatewayOptions>) => {
    const gateway = await createGateway({ supergraphSdl: supergraphSdl(), subgraphUrls: { patients: subgraph.url }, port: 0, logger, staticDir: false, assertionPrivateKey: (await generateAssertionKeyPair()).privateKeyPem, accessTokenPublicKey: tokenKeys.publicKey, ...options });
    gateways.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    authorization = await bearerFor('u-default');
    subgraph = await startSubgraph();
    dev = await start({});
    prod = await start({ production: true });
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await subgraph?.stop();
  });

  describe('query limits', () => {
    const expectRejected = async (query: string, pattern: RegExp, code = 'GRAPHQL_VALIDATION_FAILED') => {
      subgraph.calls = 0;
      const response = await post(dev.url, query);
      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors?.map((e) => e.extensions?.code)).toContain(code);
      expect(response.body.errors?.map((e) => e.message).join('\n')).toMatch(pattern);
      expect(subgraph.calls).toBe(0);
    };
    const expectAnswered = async (query: string) => {
      const response = await post(dev.url, query);
      expect(response.body.errors).toBeUndefined();
      expect(response.status).toBe(200);
      expect(response.body.data.patient.id).toBe('p1');
    };

    it('limits depth', async () => {
      // patient + 8 levels of contacts + id = depth 10: the limit
      await expectAnswered(nested(8));
      await expectRejected(nested(9), /depth limit of 10 exceeded, found 11/);
    });

    it('counts the depth of fields, not of the fragments around them', async () => {
      // each level of contacts inside an inline fragment, or the whole nesting in a named fragment: as deep as the fields
      const inline = (levels: number) => `{ patient(id: "p1") { id ${'contacts { ... on Patient { '.repeat(levels)}id ${'} } '.repeat(levels)}} }`;
      const named = (levels: number) => `{ patient(id: "p1") { ...Deep } } fragment Deep on Patient { id ${'contacts { '.repeat(levels)}id ${'} '.repeat(levels)}}`;
      await expectAnswered(inline(8));
      await expectAnswered(named(8));
      await expectRejected(inline(9), /depth limit of 10 exceeded, found 11/);
      await expectRejected(named(9), /depth limit of 10 exceeded, found 11/);
    });

    it('limits cost, counting literal page sizes', async () => {
      // one page of 100 (cost ~700), or two nested pages of 10 (~850)
      await expectAnswered(nested(1, 100));
      await expectAnswered(nested(2, 10));
      // two nested pages of 100: ~79,000
      await expectRejected(nested(2, 100), /Cost limit of 25000 exceeded/);
    });

    it('limits aliases', async () => {
      const aliases = (n: number) => `{ patient(id: "p1") { id ${Array.from({ length: n }, (_, i) => `a${i}: name`).join(' ')} } }`;
      await expectAnswered(aliases(15));
      await expectRejected(aliases(16), /Aliases limit of 15 exceeded/);
    });

    it('limits directives', async () => {
      const directives = (n: number) => `{ patient(id: "p1") { id ${'... @include(if: true) { name } '.repeat(n)}} }`;
      await expectAnswered(directives(20));
      await expectRejected(directives(21), /Directives limit of 20 exceeded/);
    });

    it('limits tokens before parsing the whole document', async () => {
      // 15 tokens around the list of strings (graphql-js counts one token of lookahead)
      const tokens = (n: number) => `{ patient(id: "p1", tags: [${'"t" '.repeat(n)}]) { id } }`;
      await expectAnswered(tokens(985));
      await expectRejected(tokens(986), /more tha[nt] 1000 tokens/, 'GRAPHQL_PARSE_FAILED');
    });

    it('lets every README example, the bench chart query and the federation-test query through the default limits', () => {
      const schema = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
      const { validationRules } = queryProtection(DEFAULT_QUERY_LIMITS, { blockFieldSuggestions: true });
      const readme = [...readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8').matchAll(/```graphql\n([^`]*)```/g)].map((match) => match[1]);
      const federation = readFileSync(path.resolve(__dirname, '../../test/federation.test.ts'), 'utf8').match(/PATIENT_ACROSS_THE_GRAPH = `([^`]*)`/)?.[1];
      expect(readme.length).toBeGreaterThanOrEqual(8);
      expect(readme.some((query) => query.includes('query PatientAcrossTheGraph'))).toBe(true);
      expect(federation).toBeDefined();
      for (const query of [...readme, federation!, FULL_CHART_QUERY]) {
        const errors = validate(schema, parse(query, { maxTokens: DEFAULT_QUERY_LIMITS.maxTokens }), validationRules).map((error) => error.message);
        expect({ query: query.slice(0, 60), errors }).toEqual({ query: query.slice(0, 60), errors: [] });
      }
    });
  });

  describe('introspection and suggestions', () => {
    const INTROSPECTION = '{ __schema { queryType { name } } }';

    it('allows introspection in development and refuses it in production', async () => {
      const allowed = await post(dev.url, INTROSPECTION);
      expect(allowed.status).toBe(200);
      expect(allowed.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });

      const refused = await post(prod.url, INTROSPECTION);
      expect(refused.status).toBe(400);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(refused.body.errors?.[0].message).toMatch(/introspection/i);
    });

    it('suggests field names in development only', async () => {
      const devAnswer = await post(dev.url, '{ patient(id: "p1") { nam } }');
      expect(devAnswer.body.errors?.[0].message).toMatch(/Did you mean "name"/);

      const prodAnswer = await post(prod.url, '{ patient(id: "p1") { nam } }');
      expect(prodAnswer.status).toBe(400);
      expect(prodAnswer.body.errors?.[0].message).toMatch(/Cannot query field "nam" on type "Patient"/);
      expect(prodAnswer.text).not.toMatch(/Did you mean|"name"/);
    });
  });

  describe('HTTP protections', () => {
    it('refuses CSRF-style requests (GET or form POST without a preflight header)', async () => {
      subgraph.calls = 0;
      const query = encodeURIComponent('{ patient(id: "p1") { id } }');
      const get = await send(`${dev.url}?query=${query}`, { method: 'GET' });
      expect(get.status).toBe(400);
      expect(get.text).toMatch(/Cross-Site Request Forgery/);

      const form = await send(dev.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ patient(id: "p1") { id } }' }) });
      expect(form.status).toBe(400);
      expect(form.text).toMatch(/Cross-Site Request Forgery/);
      expect(subgraph.calls).toBe(0);

      // the same GET with the preflight header is a normal query
      const preflighted = await send(`${dev.url}?query=${query}`, { method: 'GET', headers: { 'apollo-require-preflight': 'true' } });
      expect(preflighted.status).toBe(200);
      expect(preflighted.body.data).toEqual({ patient: { id: 'p1' } });
    });

    it('refuses a body over the size limit with 413 and a JSON error', async () => {
      const small = await start({ maxBodyBytes: 2048 });
      const padding = 'x'.repeat(4096);
      const response = await send(small.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ patient(id: "p1") { id } }', variables: { padding } }) });
      expect(response.status).toBe(413);
      expect(response.body).toEqual({ errors: [{ message: 'Request body is larger than the limit of 2048 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
      // under the limit is fine
      expect((await post(small.url, '{ patient(id: "p1") { id } }')).body.data).toEqual({ patient: { id: 'p1' } });

      // the default limit is 100 kB
      const big = await send(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(110 * 1024) } }) });
      expect(big.status).toBe(413);
    });

    it('answers malformed JSON with a 400 JSON error and no stack', async () => {
      const response = await send(dev.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
      expect(response.text).not.toMatch(/node_modules| at /);
    });

    it('refuses batched operations', async () => {
      subgraph.calls = 0;
      const response = await send(dev.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ query: '{ patient(id: "p1") { id } }' }, { query: '{ patient(id: "p2") { id } }' }]),
      });
      expect(response.status).toBe(400);
      expect(response.text).toMatch(/batch/i);
      expect(subgraph.calls).toBe(0);
    });
  });

  describe('error masking in production', () => {
    it('masks a subgraph resolver error (SQL, host) and a non-GraphQL subgraph failure (URL)', async () => {
      const broken = await post(prod.url, '{ broken }');
      expect(broken.body.data).toEqual({ broken: null });
      expect(broken.body.errors).toEqual([{ message: 'Internal server error', path: ['broken'], extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String), serviceName: 'patients' } }]);
      expect(broken.text).not.toMatch(/insert|db-01|stacktrace|\bat /);

      const bad = await post(prod.url, '{ badGateway }');
      expect(bad.body.data).toEqual({ badGateway: null });
      expect(bad.body.errors?.[0].message).toBe('Internal server error');
      expect(bad.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(bad.text).not.toMatch(/10\.1\.2\.3|127\.0\.0\.1|502|Bad Gateway|stacktrace|response/);
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After once a user\'s budget is spent, and recovers after the window', async () => {
      const limited = await start({ rateLimit: { user: { points: 2, durationSec: 0.5 } } });
      const query = '{ patient(id: "p1") { id } }';
      expect((await post(limited.url, query)).status).toBe(200);
      expect((await post(limited.url, query)).status).toBe(200);
      subgraph.calls = 0;
      const refused = await post(limited.url, query);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toEqual({ errors: [{ message: 'Too many requests; retry in 1 s', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } }] });
      expect(subgraph.calls).toBe(0);
      // counted per user (from the verified token), not per address: another user is still served
      expect((await post(limited.url, query, { authorization: await bearerFor('u-other') })).status).toBe(200);

      // wait for the window to pass (polling, at most ~1 s), then the caller is served again
      const deadline = Date.now() + 2000;
      let after = refused;
      while (after.status === 429 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await post(limited.url, query);
      }
      expect(after.status).toBe(200);
      expect(after.body.data).toEqual({ patient: { id: 'p1' } });
    });

    it('limits /auth/* and /oauth/* per IP with their own, smaller budget', async () => {
      const limited = await start({ rateLimit: { auth: { points: 1, durationSec: 60 } } });
      // nothing serves these paths yet: 404 while within budget
      expect((await send(`${limited.baseUrl}/auth/login`, { method: 'POST' })).status).toBe(404);
      const second = await send(`${limited.baseUrl}/oauth/token`, { method: 'POST' });
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(50);
      expect(second.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      // GraphQL has its own budget
      expect((await post(limited.url, '{ patient(id: "p1") { id } }')).status).toBe(200);
    });

    it('can be turned off', async () => {
      const unlimited = await start({ rateLimit: false });
      const answers = await Promise.all(Array.from({ length: 30 }, () => post(unlimited.url, '{ patient(id: "p1") { id } }')));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    });

    it('keys a request by its principal, else by IP', () => {
      const req = (principal?: CallerPrincipal, ip = '203.0.113.9') => ({ principal, ip, socket: {} }) as never;
      expect(rateLimitKey(req({ kind: 'user', userId: 'u-1', role: 'nurse', organizationId: null, patientId: null, sessionId: 's-1' }))).toBe('user:u-1');
      expect(rateLimitKey(req({ kind: 'client', clientId: 'c-1', organizationId: null, scopes: [] }))).toBe('client:c-1');
      expect(rateLimitKey(req())).toBe('ip:203.0.113.9');
      expect(rateLimitKey(req({ kind: 'anonymous' }))).toBe('ip:203.0.113.9');
    });

    it('keeps separate budgets for users, partner clients and anonymous IPs', async () => {
      // the limiter alone, principals attached from a test header (no tokens to mint)
      const limiters = createRateLimiters(
        { user: { points: 2, durationSec: 60 }, client: { points: 3, durationSec: 60 }, anonymous: { points: 1, durationSec: 60 }, auth: { points: 1, durationSec: 60 } },
        logger,
      );
      const app = express();
      app.use((req, _res, next) => {
        const [kind, id] = String(req.headers['x-test-principal'] ?? '').split(':');
        if (kind === 'user') Object.assign(req, { principal: { kind, userId: id } });
        if (kind === 'client') Object.assign(req, { principal: { kind, clientId: id } });
        next();
      }, limiters.api, (_req, res) => {
        res.json({ ok: true });
      });
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const as = async (principal?: string) => (await fetch(base, { headers: principal ? { 'x-test-principal': principal } : {} })).status;
      try {
        expect([await as('user:a'), await as('user:a'), await as('user:a')]).toEqual([200, 200, 429]);
        expect(await as('user:b')).toBe(200); // another user has their own budget
        expect([await as('client:p'), await as('client:p'), await as('client:p'), await as('client:p')]).toEqual([200, 200, 200, 429]);
        expect([await as(), await as()]).toEqual([200, 429]); // anonymous, by IP
        expect(await as('user:b')).toBe(200); // spent anonymous budget on the same IP does not block a user
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
});
