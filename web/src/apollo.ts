import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import type { Session } from './auth/session';

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
    link: new HttpLink({ uri: '/graphql', fetch: authenticatedFetch }),
    cache: new InMemoryCache({
      possibleTypes: { Caller: ['UserAccount', 'ApiClient'] },
      // value objects without ids (codes, amounts, names): the newest answer replaces the cached one
      typePolicies: Object.fromEntries(['Coding', 'Quantity', 'Money', 'HumanName', 'PatientBalance'].map((type) => [type, { merge: true }])),
    }),
    defaultOptions: {
      watchQuery: { fetchPolicy: 'network-only', nextFetchPolicy: 'cache-first', errorPolicy: 'none' },
      query: { fetchPolicy: 'network-only' },
    },
  });
}
