/** The few calls the tools (bench, demo seeding, live demo) make to a running gateway, as any HTTP client would. */

/** POST a GraphQL operation; throws on HTTP or GraphQL errors (their codes and messages, which never carry record values). */
export async function postGraphql(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (!response.ok || body.errors?.length) throw new Error(`request failed: ${response.status} ${JSON.stringify(body.errors ?? '')}`);
  return body.data;
}

/** Signs in with email and password at the gateway's /auth/login; the access token. */
export async function signIn(origin: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${origin}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (!response.ok) throw new Error(`sign-in of ${email} failed (${response.status})`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}
