import { createLogger, startSubgraphServer, type RequestContext, type RunningSubgraph, type SubgraphDefinition } from '@caregraph/platform';

/** Starts a subgraph in this process on a free port against the given database. */
export function startTestSubgraph<C extends RequestContext>(definition: SubgraphDefinition<C>, databaseUrl: string): Promise<RunningSubgraph> {
  return startSubgraphServer(definition, { port: 0, databaseUrl, poolMax: 4, logger: createLogger(definition.name, process.env.LOG_LEVEL ?? 'silent') });
}

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** POSTs one GraphQL operation, as a client would. */
export async function graphql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The data of a response that must have no errors (the errors are shown when it does). */
export async function graphqlOk<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const response = await graphql<T>(url, query, variables, headers);
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}
