import http from 'node:http';
import https from 'node:https';

/*
 * The fetch of service-to-service calls (the gateway to its subgraphs, a subgraph to the access
 * policy): the shape of @apollo/utils.fetcher, which Apollo's data sources take, so one
 * implementation serves both.
 */
export interface FetcherRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
export interface FetcherHeaders extends Iterable<[string, string]> {
  append(name: string, value: string): void;
  delete(name: string): void;
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  entries(): Iterator<[string, string]>;
  keys(): Iterator<string>;
  values(): Iterator<string>;
}
export interface FetcherResponse {
  readonly bodyUsed: boolean;
  readonly url: string;
  readonly redirected: boolean;
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: FetcherHeaders;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  clone(): FetcherResponse;
}
export type Fetcher = (url: string, init?: FetcherRequestInit) => Promise<FetcherResponse>;

class ResponseHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name) as string];
  }
  *keys(): IterableIterator<string> {
    yield* Object.keys(this.raw);
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  append(): void {
    throw new Error('response headers are read-only');
  }
  set(): void {
    throw new Error('response headers are read-only');
  }
  delete(): void {
    throw new Error('response headers are read-only');
  }
}

function responseOf(url: string, status: number, statusText: string, headers: http.IncomingHttpHeaders, body: Buffer): FetcherResponse {
  const response: FetcherResponse = {
    bodyUsed: false,
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText,
    headers: new ResponseHeaders(headers),
    text: async () => body.toString('utf8'),
    json: async () => JSON.parse(body.toString('utf8')),
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    clone: () => responseOf(url, status, statusText, headers, body),
  };
  return response;
}

/** The errors of a kept-alive connection the other side had already closed when the call went out on it. */
const STALE_CONNECTION_ERRORS = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A small fetch for calls between our own services: plain node:http over keep-alive sockets.
 * The gateway's default (make-fetch-happen) layers caching and stream machinery on every call, and
 * Node's global fetch (undici) its WHATWG streams: about 2 ms of CPU per call in a subgraph, where
 * the access-policy call of a chart request was a twentieth of the clinical subgraph's CPU. These
 * calls are uncacheable POSTs of small JSON, so all of that is overhead. `timeoutMs` is how long a
 * call may go without a byte from the other side.
 *
 * Kept-alive connections race the server's idle timeout: a call sent as the server closes the
 * connection fails with ECONNRESET (on a busy machine the close can wait in the event loop for a
 * while). Two defences: an idle connection is let go a second before the timeout the server
 * announces (Node's agent honours the `Keep-Alive: timeout` hint only when it has a timeout of its
 * own), and a `repeatable` call (one without side effects, such as an access decision) that fails
 * that way on a reused connection is sent once more, on a new one. Other calls get the error: the
 * server may have acted on them.
 */
export function createKeepAliveFetcher(options: { maxSockets?: number; timeoutMs?: number; repeatable?: boolean } = {}): { fetcher: Fetcher; close(): void } {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agentOptions = { keepAlive: true, noDelay: true, maxSockets: options.maxSockets ?? 256, keepAliveMsecs: 1000, scheduling: 'lifo' as const, timeout: timeoutMs };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);

  const send = (url: string, init: FetcherRequestInit, attempt: number): Promise<FetcherResponse> =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const body = init.body === undefined ? undefined : typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
      const headers: Record<string, string | number> = { ...(init.headers ?? {}) };
      if (body) headers['content-length'] = body.byteLength;
      let answered = false;
      const request = (secure ? https : http).request(
        target,
        { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent, timeout: timeoutMs },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve(responseOf(url, res.statusCode ?? 0, res.statusMessage ?? '', res.headers, Buffer.concat(chunks))));
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error(`subgraph request timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => {
        const stale = request.reusedSocket && !answered && STALE_CONNECTION_ERRORS.has(error.code ?? '');
        if (stale && options.repeatable && attempt === 0) resolve(send(url, init, 1));
        else reject(error);
      });
      request.end(body);
    });

  return {
    fetcher: (url, init = {}) => send(url, init, 0),
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
