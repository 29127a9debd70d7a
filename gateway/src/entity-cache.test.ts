import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AssertionSigner, createKeepAliveFetcher, createLogger, generateAssertionKeyPair, type Principal } from '@caregraph/platform';
import { EntityCache, publicMaxAge } from './entity-cache';
import { SubgraphDataSource } from './subgraph-data-source';

const ORGANIZATION_NAMES = `query($representations:[_Any!]!){_entities(representations:$representations){...on Organization{__typename id name}}}`;
const physician: Principal = { kind: 'user', userId: 'u1', role: 'physician', organizationId: 'o1', patientId: null, sessionId: 's1' };

/**
 * A subgraph over real HTTP that answers `_entities` for organizations (name = "Org <id>") with
 * the Cache-Control header a test sets, and records every request's representations.
 */
async function organizationsSubgraph() {
  const requests: { id: string }[][] = [];
  const writes: string[] = [];
  const state = { cacheControl: 'public, max-age=60' as string | undefined, failId: undefined as string | undefined, hold: undefined as Promise<void> | undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const { query, variables } = JSON.parse(body) as { query: string; variables: { representations: { id: string }[] } };
      if (query.startsWith('mutation')) {
        writes.push(query);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { updateOrganization: { id: 'a' } } }));
        return;
      }
      requests.push(variables.representations);
      await state.hold;
      const entities = variables.representations.map(({ id }) => (id === state.failId ? null : { __typename: 'Organization', id, name: `Org ${id}` }));
      const failed = variables.representations.findIndex(({ id }) => id === state.failId);
      const errors = failed >= 0 ? [{ message: 'not available', path: ['_entities', failed, 'name'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] : undefined;
      res.writeHead(200, { 'content-type': 'application/json', ...(state.cacheControl ? { 'cache-control': state.cacheControl } : {}) });
      res.end(JSON.stringify({ data: { _entities: entities }, ...(errors ? { errors } : {}) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, requests, writes, state, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the gateway entity cache (public directory entities)', () => {
  let subgraph: Awaited<ReturnType<typeof organizationsSubgraph>>;
  let signer: AssertionSigner;
  const sockets = createKeepAliveFetcher();
  // lru-cache reads a start time of 0 as "no time-to-live": the test clock starts elsewhere
  const T0 = 1_000_000;
  let now = T0;
  let cache: EntityCache;
  let source: SubgraphDataSource;

  beforeAll(async () => {
    subgraph = await organizationsSubgraph();
    signer = await AssertionSigner.fromPem((await generateAssertionKeyPair()).privateKeyPem);
  });
  afterAll(async () => {
    sockets.close();
    await subgraph.close();
  });
  beforeEach(() => {
    subgraph.requests.length = 0;
    subgraph.writes.length = 0;
    subgraph.state.cacheControl = 'public, max-age=60';
    subgraph.state.failId = undefined;
    subgraph.state.hold = undefined;
    now = T0;
    cache = new EntityCache({ perf: { now: () => now } });
    source = new SubgraphDataSource('patients', subgraph.url, sockets.fetcher, signer, cache);
  });

  /** One entity fetch as the gateway's executor makes it. */
  const fetchOrganizations = async (ids: string[], principal: Principal = physician) => {
    const context = { requestId: 'r1', log: createLogger('entity-cache-test', 'silent'), principal };
    const response = await source.process({
      kind: 'incoming operation' as never,
      request: { query: ORGANIZATION_NAMES, variables: { representations: ids.map((id) => ({ __typename: 'Organization', id })) } },
      context,
      incomingRequestContext: { context } as never,
    });
    return { entities: (response.data as { _entities: ({ id: string; name: string } | null)[] })._entities, errors: response.errors };
  };

  it('answers entities it holds itself and asks the subgraph only for the others, in the order planned', async () => {
    const first = await fetchOrganizations(['a', 'c']);
    expect(first.entities).toEqual([{ __typename: 'Organization', id: 'a', name: 'Org a' }, { __typename: 'Organization', id: 'c', name: 'Org c' }]);

    const again = await fetchOrganizations(['c', 'a']);
    expect(again.entities.map((entity) => entity?.name)).toEqual(['Org c', 'Org a']);
    expect(subgraph.requests).toHaveLength(1); // both held: no second request

    const mixed = await fetchOrganizations(['a', 'b', 'c', 'd']);
    expect(mixed.entities.map((entity) => entity?.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(subgraph.requests[1].map(({ id }) => id)).toEqual(['b', 'd']);
  });

  /** A mutation's root fields, as the gateway sends them to the subgraph that owns them. */
  const write = async () => {
    const context = { requestId: 'w1', log: createLogger('entity-cache-test', 'silent'), principal: physician };
    await source.process({
      kind: 'incoming operation' as never,
      request: { query: 'mutation($input:UpdateOrganizationInput!){updateOrganization(input:$input){id}}', variables: { input: { id: 'a', name: 'Org a, renamed' } } },
      context,
      incomingRequestContext: { context } as never,
    });
  };

  it('forgets what it holds from a subgraph once a write has gone to it (a renamed organization shows at once)', async () => {
    await fetchOrganizations(['a', 'b']);
    await write();
    expect(subgraph.writes).toHaveLength(1);
    await fetchOrganizations(['a']);
    expect(subgraph.requests.map((representations) => representations.map(({ id }) => id))).toEqual([['a', 'b'], ['a']]);
    await fetchOrganizations(['a']); // held again from the answer after the write
    expect(subgraph.requests).toHaveLength(2);
  });

  it('does not keep an answer that was on its way while a write went to the subgraph', async () => {
    let release!: () => void;
    subgraph.state.hold = new Promise((resolve) => { release = resolve; });
    const before = fetchOrganizations(['a']); // asked before the write, answered after it
    await new Promise((resolve) => setTimeout(resolve, 50));
    await write();
    release();
    expect((await before).entities[0]?.name).toBe('Org a');
    subgraph.state.hold = undefined;
    await fetchOrganizations(['a']);
    expect(subgraph.requests).toHaveLength(2); // not answered from what may have been read before the write
  });

  it('asks again once the max-age the subgraph gave has passed', async () => {
    subgraph.state.cacheControl = 'public, max-age=5';
    await fetchOrganizations(['a']);
    now = T0 + 4_900;
    await fetchOrganizations(['a']);
    expect(subgraph.requests).toHaveLength(1);
    now = T0 + 5_100;
    await fetchOrganizations(['a']);
    expect(subgraph.requests).toHaveLength(2);
  });

  it.each([
    ['no Cache-Control header', undefined],
    ['a private answer', 'private, max-age=60'],
    ['max-age=0', 'public, max-age=0'],
    ['no-store', 'public, no-store, max-age=60'],
  ])('keeps nothing the subgraph did not mark public with a max-age (%s)', async (_label, cacheControl) => {
    subgraph.state.cacheControl = cacheControl;
    await fetchOrganizations(['a']);
    await fetchOrganizations(['a']);
    expect(subgraph.requests).toHaveLength(2);
  });

  it('keeps nothing from an answer with errors, and points each error at the entity planned', async () => {
    await fetchOrganizations(['a']); // held
    subgraph.state.failId = 'x';
    const withError = await fetchOrganizations(['a', 'b', 'x']);
    expect(subgraph.requests[1].map(({ id }) => id)).toEqual(['b', 'x']);
    expect(withError.entities.map((entity) => entity?.id ?? null)).toEqual(['a', 'b', null]);
    expect(withError.errors?.[0].path).toEqual(['_entities', 2, 'name']); // index 1 of the request sent, 2 of the fetch planned

    subgraph.state.failId = undefined;
    await fetchOrganizations(['b']);
    expect(subgraph.requests).toHaveLength(3); // b came with an error beside it: not kept
  });

  it('serves and keeps nothing for a caller who is not signed in', async () => {
    await fetchOrganizations(['a']);
    await fetchOrganizations(['a'], { kind: 'anonymous' });
    expect(subgraph.requests).toHaveLength(2);
    expect(cache.size).toBe(1);
  });

  it('keeps answers per selection: another query for the same entity is asked for', async () => {
    await fetchOrganizations(['a']);
    const context = { requestId: 'r2', log: createLogger('entity-cache-test', 'silent'), principal: physician };
    await source.process({
      kind: 'incoming operation' as never,
      request: { query: ORGANIZATION_NAMES.replace('__typename id name', '__typename id name active'), variables: { representations: [{ __typename: 'Organization', id: 'a' }] } },
      context,
      incomingRequestContext: { context } as never,
    });
    expect(subgraph.requests).toHaveLength(2);
  });
});

describe('publicMaxAge', () => {
  it.each([
    ['public, max-age=60', 60],
    ['max-age=30, public', 30],
    ['PUBLIC, MAX-AGE=10', 10],
    ['public', 0],
    ['max-age=60', 0],
    ['public, max-age=abc', 0],
    ['public, private, max-age=60', 0],
    ['public, no-cache, max-age=60', 0],
    [null, 0],
  ])('%s -> %d', (header, seconds) => {
    expect(publicMaxAge(header)).toBe(seconds);
  });
});
