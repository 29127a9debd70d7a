import { ApolloLink, execute, from, gql, Observable, type FetchResult } from '@apollo/client';
import { retryFailedReads } from './apollo';

/** A terminating link that fails with each of `failures` in turn, then answers. */
function flakyServer(failures: unknown[]) {
  const calls: string[] = [];
  const link = new ApolloLink((operation) => new Observable<FetchResult>((observer) => {
    calls.push(operation.operationName);
    const failure = failures.shift();
    if (failure) observer.error(failure);
    else {
      observer.next({ data: { ok: true } });
      observer.complete();
    }
  }));
  return { link: from([retryFailedReads, link]), calls };
}

const run = (link: ApolloLink, query: ReturnType<typeof gql>) =>
  new Promise<FetchResult>((resolve, reject) => execute(link, { query }).subscribe({ next: resolve, error: reject }));

const READ = gql`query Chart { ok }`;
const WRITE = gql`mutation AddComment { ok }`;
const networkDown = () => new TypeError('Failed to fetch');
const status = (statusCode: number) => Object.assign(new Error(`Response not successful: Received status code ${statusCode}`), { statusCode });

describe('retryFailedReads', () => {
  beforeAll(() => jest.useFakeTimers({ advanceTimers: true })); // the backoff waits up to seconds
  afterAll(() => jest.useRealTimers());

  it('tries a read again when the gateway could not be reached or answered 5xx, and answers', async () => {
    const server = flakyServer([networkDown(), status(503)]);
    await expect(run(server.link, READ)).resolves.toEqual({ data: { ok: true } });
    expect(server.calls).toEqual(['Chart', 'Chart', 'Chart']);
  });

  it('gives up after three tries with the last error', async () => {
    const server = flakyServer([status(502), status(502), status(504), status(500)]);
    await expect(run(server.link, READ)).rejects.toMatchObject({ statusCode: 504 });
    expect(server.calls).toHaveLength(3);
  });

  it('never repeats a mutation, nor a read the API refused or throttled', async () => {
    const write = flakyServer([networkDown()]);
    await expect(run(write.link, WRITE)).rejects.toThrow('Failed to fetch');
    expect(write.calls).toEqual(['AddComment']);
    for (const refused of [400, 403, 429]) {
      const read = flakyServer([status(refused)]);
      await expect(run(read.link, READ)).rejects.toMatchObject({ statusCode: refused });
      expect(read.calls).toHaveLength(1);
    }
  });
});
