import { ApolloClient, from, HttpLink, InMemoryCache, type Operation } from '@apollo/client';
import { RetryLink } from '@apollo/client/link/retry';
import { getMainDefinition } from '@apollo/client/utilities';
import type { Session } from './auth/session';
import { POSSIBLE_TYPES } from './possible-types';

/**
 * Reads whose request failed outright (the gateway unreachable, or answering 5xx while it restarts
 * or is redeployed) are tried again, three tries at most, about 0.3 to 3 s apart, before the screen
 * shows the error. Never a mutation (it may have been applied), never an answer the API gave
 * (GraphQL errors, 4xx such as a refusal, 429 for a caller over its budget).
 */
export const retryFailedReads = new RetryLink({
  delay: { initial: 300, max: 3_000, jitter: true },
  attempts: { max: 3, retryIf: (error: unknown, operation: Operation) => isRead(operation) && isTransient(error) },
});

function isRead(operation: Operation): boolean {
  const definition = getMainDefinition(operation.query);
  return definition.kind === 'OperationDefinition' && definition.operation === 'query';
}

function isTransient(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status !== 'number' || status >= 500; // no status: the request never got an answer
}

/**
 * Apollo Client against the gateway's /graphql with the session's bearer token. A 401 refreshes the
 * session once and retries; a second 401 ends it. Patient data is always fetched from the network
 * (consent can be revoked between two screens), and the cache is cleared on sign-out.
 */
export function createApolloClient(session: Session): ApolloClient<unknown> {
  const withToken = async (init: RequestInit | undefined): Promise<RequestInit> => {
    const token = await session.token();
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return { ...init, headers };
  };
  const authenticatedFetch: typeof fetch = async (input, init) => {
    let response = await fetch(input, await withToken(init));
    if (response.status === 401 && (await session.refresh())) response = await fetch(input, await withToken(init));
    if (response.status === 401) await session.signOut('expired');
    return response;
  };
  return new ApolloClient({
    link: from([retryFailedReads, new HttpLink({ uri: '/graphql', fetch: authenticatedFetch })]),
    cache: new InMemoryCache({
      possibleTypes: POSSIBLE_TYPES,
      // value objects without ids (codes, amounts, names): the newest answer replaces the cached one
      typePolicies: Object.fromEntries(['Coding', 'Quantity', 'Money', 'HumanName', 'PatientBalance'].map((type) => [type, { merge: true }])),
    }),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'network-only', nextFetchPolicy: 'cache-first', errorPolicy: 'none' },
      query: { fetchPolicy: 'network-only' },
    },
  });
}
