import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, REQUEST_ID_HEADER, type AssertionSigner, type Fetcher } from '@caregraph/platform';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context';
import { publicMaxAge, type EntityCache } from './entity-cache';

/** A subgraph fetch that writes (the gateway sends a mutation's root fields as one). */
const MUTATION = /^\s*mutation\b/;

/** Error code a client sees for fields owned by a subgraph the gateway could not reach. */
export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';

type DidEncounterError = RemoteGraphQLDataSource<GatewayContext>['didEncounterError'];
type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;

/** The representations of an entity fetch the gateway planned (`_entities` with $representations). */
function representationsOf(options: GraphQLDataSourceProcessOptions<GatewayContext>): unknown[] | undefined {
  const representations = options.request.variables?.representations;
  return Array.isArray(representations) && options.request.query?.includes('_entities(') ? representations : undefined;
}

/**
 * One subgraph as the gateway calls it: forwards the request id (so a user action can be
 * followed through every service's log) and turns a network failure into a clean,
 * URL-free `SERVICE_UNAVAILABLE` error; the gateway then returns null for that subgraph's
 * fields and the rest of the data.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** Subgraph responses are never cached (patient data), so skip parsing their cache headers. */
  override honorSubgraphCacheControlHeader = false;

  constructor(
    readonly name: string,
    url: string,
    fetcher: Fetcher,
    private readonly signer: AssertionSigner,
    private readonly entityCache?: EntityCache,
  ) {
    super({ url, fetcher });
  }

  /**
   * Entity fetches go through the entity cache (entity-cache.ts) for signed-in callers: entities
   * held are answered here, only the others are asked of the subgraph, and its answer is kept
   * when it says it may be (Cache-Control: public, max-age).
   */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const representations = representationsOf(options);
    const query = options.request.query;
    if (this.entityCache && query && MUTATION.test(query)) {
      // whatever it did (renamed an organization, ...) is there once it answers: forget after, not before
      try {
        return await super.process(options);
      } finally {
        this.entityCache.forget(this.name);
      }
    }
    const signedIn = options.context?.principal && options.context.principal.kind !== 'anonymous';
    if (!this.entityCache || !representations || !query || !signedIn) return super.process(options);
    const cache = this.entityCache;
    const generation = cache.generation(this.name);
    const entities: unknown[] = representations.map((representation) => cache.get(this.name, query, representation));
    const missing = entities.flatMap((entity, index) => (entity === undefined ? [index] : []));
    if (!missing.length) return { data: { _entities: entities } };

    const request = { ...options.request, variables: { ...options.request.variables, representations: missing.map((index) => representations[index]) } };
    const response = await super.process({ ...options, request });
    const fetched = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
    if (!Array.isArray(fetched) || fetched.length !== missing.length) return response;
    const maxAge = response.errors?.length ? 0 : publicMaxAge(response.http?.headers.get('cache-control'));
    missing.forEach((index, position) => {
      const entity = fetched[position];
      entities[index] = entity;
      if (maxAge > 0 && entity && typeof entity === 'object') cache.set(this.name, generation, query, representations[index], entity, maxAge);
    });
    // an error's path counts entities of the request sent; the gateway reads it against the one planned
    const errors = response.errors?.map((error) => {
      const path = error.path;
      if (path?.[0] !== '_entities' || typeof path[1] !== 'number' || missing[path[1]] === undefined) return error;
      return { ...error, path: ['_entities', missing[path[1]], ...path.slice(2)] } as typeof error;
    });
    return { ...response, data: { ...response.data, _entities: entities }, ...(errors ? { errors } : {}) };
  }

  /**
   * Each subgraph gets the caller as an assertion signed for it alone (audience = subgraph name),
   * which it may pass on to the access policy (second audience) but to no other subgraph.
   */
  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const requestId = context?.requestId ?? 'gateway';
    request.http?.headers.set(REQUEST_ID_HEADER, requestId);
    request.http?.headers.set(ASSERTION_HEADER, await this.signer.sign(context?.principal ?? { kind: 'anonymous' }, [this.name, ACCESS_POLICY_AUDIENCE], requestId));
  }

  /**
   * A subgraph refuses an operation whose variables its own scalars reject (an impossible date in
   * a DateTimeISO) with HTTP 400 and a BAD_USER_INPUT error naming the field. The gateway cannot
   * check those scalars itself, so that error goes to the caller as it is (code, field, fields;
   * our subgraphs' messages never carry values), not masked as an internal failure.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    const error = await super.errorFromResponse(response);
    const body = (error.extensions.response as { body?: { errors?: { message?: unknown; extensions?: Record<string, unknown> }[] } } | undefined)?.body;
    const refusal = typeof body === 'object' ? body?.errors?.[0] : undefined;
    if (response.status !== 400 || refusal?.extensions?.code !== 'BAD_USER_INPUT' || typeof refusal.message !== 'string') return error;
    const { code, field, fields } = refusal.extensions;
    return new GraphQLError(refusal.message, { extensions: { code, field, fields } });
  }

  override didEncounterError(...[error, _fetchRequest, fetchResponse, context]: Parameters<DidEncounterError>): void {
    const log = context?.log;
    if (fetchResponse) {
      // The subgraph answered with a non-2xx status: keep the error (the formatter masks it).
      log?.warn({ subgraph: this.name, status: fetchResponse.status }, 'subgraph answered with an HTTP error');
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code ?? error.name;
    log?.warn({ subgraph: this.name, code }, 'subgraph unreachable');
    throw new GraphQLError(`The ${this.name} service is unavailable`, {
      extensions: { code: SERVICE_UNAVAILABLE, serviceName: this.name },
    });
  }
}
