import {
  ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, type GraphqlExecutor, AssertionSigner, accessDecisionsUrl, createLogger, generateAssertionKeyPair, startSubgraphServer,
  type AssertionKeyPair, type Logger, type Principal, type RequestContext, type RunningSubgraph, type SubgraphDefinition,
} from '@caregraph/platform';

let keys: Promise<{ pair: AssertionKeyPair; signer: AssertionSigner }> | undefined;

/** The gateway key pair of this test file: subgraphs trust it, `graphql()` signs with it. */
export function testAssertionKeys(): Promise<{ pair: AssertionKeyPair; signer: AssertionSigner }> {
  keys ??= generateAssertionKeyPair().then(async (pair) => ({ pair, signer: await AssertionSigner.fromPem(pair.privateKeyPem) }));
  return keys;
}

/** Test subgraphs by URL, so a direct call can carry the assertion the gateway would send. */
const audienceByUrl = new Map<string, string>();

/** The access policy's URL: the patients subgraph this test file started last. */
let accessPolicyUrl: string | undefined;

/**
 * What this file's test subgraphs logged at error level (the newest lines): a response masked to
 * "Internal server error" names an `errorId`, and graphqlOk's failure shows the line logged with it,
 * so an error seen once in CI says what it was. (LOG_LEVEL set: they log to stdout instead.)
 */
const errorLines: string[] = [];
const ERROR_LINES_KEPT = 200;
const errorLog = { write: (line: string) => void (errorLines.push(line) > ERROR_LINES_KEPT && errorLines.shift()) };
const testLogger = (service: string): Logger => (process.env.LOG_LEVEL ? createLogger(service, process.env.LOG_LEVEL) : createLogger(service, 'error', errorLog));

/**
 * Starts a subgraph in this process on a free port against the given database. Subgraphs other
 * than patients ask the access policy of the patients subgraph started before them in the same
 * file (or `options.accessPolicyUrl`).
 */
export async function startTestSubgraph<C extends RequestContext>(
  definition: SubgraphDefinition<C>,
  databaseUrl: string,
  options: { accessPolicyUrl?: string; logger?: Logger; executor?: GraphqlExecutor } = {},
): Promise<RunningSubgraph> {
  const { pair } = await testAssertionKeys();
  const service = await startSubgraphServer(definition, {
    assertionPublicKey: pair.publicKeyPem,
    port: 0,
    databaseUrl,
    poolMax: 4,
    logger: options.logger ?? testLogger(definition.name),
    accessPolicyUrl: definition.accessPolicy ? undefined : (options.accessPolicyUrl ?? accessPolicyUrl),
    executor: options.executor,
  });
  audienceByUrl.set(service.url, definition.name);
  if (definition.accessPolicy) accessPolicyUrl = accessDecisionsUrl(service.url);
  return service;
}

/** The header a subgraph needs to serve `principal` (what the gateway adds after checking the caller). */
export async function assertionHeaders(url: string, principal?: Principal): Promise<Record<string, string>> {
  const audience = audienceByUrl.get(url);
  if (!audience || !principal) return {};
  const { signer } = await testAssertionKeys();
  return { [ASSERTION_HEADER]: await signer.sign(principal, [audience, ACCESS_POLICY_AUDIENCE], 'test-request') };
}

export interface GraphQLResponse<T = any> {
  status: number;
  /** The x-request-id the server answered with (the gateway assigns one; audit rows carry it). */
  requestId: string | null;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** Who the gateway says is asking (direct subgraph calls only); none = no assertion (401). */
  principal?: Principal;
}

/** POSTs one GraphQL operation, as a client would (as the gateway would, for a test subgraph). */
export async function graphql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, options: CallOptions | Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const { headers = {}, principal } = ('headers' in options || 'principal' in options ? options : { headers: options }) as CallOptions;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await assertionHeaders(url, principal)), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status' | 'requestId'>;
  return { status: response.status, requestId: response.headers.get('x-request-id'), ...body };
}

/** The data of a response that must have no errors (the errors are shown when it does). */
export async function graphqlOk<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, options: CallOptions | Record<string, string> = {}): Promise<T> {
  const response = await graphql<T>(url, query, variables, options);
  if (response.errors?.length) {
    const ids = response.errors.map((error) => (error.extensions as { errorId?: string } | undefined)?.errorId).filter((id): id is string => Boolean(id));
    const logged = errorLines.filter((line) => ids.some((id) => line.includes(id)));
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}${logged.length ? `\nlogged by the test subgraphs:\n${logged.join('')}` : ''}`);
  }
  return response.data as T;
}
