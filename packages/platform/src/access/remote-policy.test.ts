import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../context';
import { ASSERTION_HEADER } from '../auth/internal-assertion';
import { createKeepAliveFetcher } from '../server/keep-alive-fetch';
import { REQUEST_ID_HEADER } from '../server/request-id';
import { ACCESS_DECISIONS_PATH } from './policy';
import { accessDecisionsUrl, AccessPolicyUnavailableError, remoteAccessPolicy } from './remote-policy';

/*
 * The access policy as a subgraph asks it over HTTP, against a real HTTP server standing in for
 * the patients service's decisions endpoint (the endpoint itself is tested in the patients
 * subgraph). What matters here: the caller's assertion travels unchanged, only well-formed
 * allowances count, and every failure throws instead of guessing.
 */
describe('remoteAccessPolicy', () => {
  const allowedId = '2f1f0c6e-8a43-4a53-9d67-3a8f0a1c2b3d';
  const otherId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
  const physician: Principal = { kind: 'user', userId: 'u-1', role: 'physician', organizationId: 'org-1', patientId: null, sessionId: 's-1' };

  /** What the stand-in answers next, and what it was asked. */
  let answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
  const asked: { path: string | undefined; assertion: unknown; requestId: unknown; body: unknown }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    req.on('end', () => {
      asked.push({ path: req.url, assertion: req.headers[ASSERTION_HEADER], requestId: req.headers[REQUEST_ID_HEADER], body: JSON.parse(body) });
      answer(req, res, body);
    });
  });
  const json = (res: http.ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const connections = createKeepAliveFetcher({ timeoutMs: 30_000 });
  /** Connections that give up after 300 ms without a byte: for the timeout case only (a busy CI machine can be slower than that). */
  const impatient = createKeepAliveFetcher({ timeoutMs: 300 });
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = accessDecisionsUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
  });
  afterAll(async () => {
    connections.close();
    impatient.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => { asked.length = 0; });

  const policy = (fetcher = connections.fetcher) => remoteAccessPolicy(url, { assertion: 'the-gateway-assertion', requestId: 'req-1' }, fetcher);

  it("asks with the caller's assertion and request id, and allows only what the answer allows on a known basis", async () => {
    answer = (_req, res) => json(res, 200, {
      decisions: [
        { patientId: allowedId.toUpperCase(), allowed: true, basis: 'consent' },
        { patientId: otherId, allowed: true, basis: 'a-basis-nobody-defined' },
        { patientId: '11111111-1111-4111-8111-111111111111', allowed: true, basis: 'registration' }, // not asked about
      ],
    });
    const decisions = await policy()(physician, [allowedId, otherId], 'clinical');
    expect([...decisions]).toEqual([
      [allowedId, { allowed: true, basis: 'consent' }],
      [otherId, { allowed: false, basis: null }],
    ]);
    expect(asked).toEqual([{
      path: ACCESS_DECISIONS_PATH, assertion: 'the-gateway-assertion', requestId: 'req-1',
      body: { category: 'clinical', patientIds: [allowedId, otherId], intent: 'read' },
    }]);
  });

  it('reuses its connection for the next request', async () => {
    const ports = new Set<number>();
    answer = (req, res) => {
      ports.add(req.socket.remotePort!);
      json(res, 200, { decisions: [] });
    };
    for (let i = 0; i < 3; i += 1) await policy()(physician, [allowedId], 'clinical');
    expect(asked).toHaveLength(3);
    expect(ports.size).toBe(1);
  });

  it.each([
    ['a status other than 200', (res: http.ServerResponse) => json(res, 503, { decisions: [] }), 'status 503'],
    ['an answer that is not JSON', (res: http.ServerResponse) => { res.writeHead(200); res.end('<html>'); }, 'malformed answer'],
    ['an answer without decisions', (res: http.ServerResponse) => json(res, 200, { allowed: true }), 'malformed answer'],
    ['a connection dropped before the answer', (res: http.ServerResponse) => res.socket!.destroy(), 'ECONNRESET'],
    ['no answer within the timeout', () => undefined, 'ETIMEDOUT'],
  ])('fails closed on %s', async (_case, respond, reason) => {
    answer = (_req, res) => respond(res);
    const decided = policy(reason === 'ETIMEDOUT' ? impatient.fetcher : connections.fetcher)(physician, [allowedId], 'clinical');
    await expect(decided).rejects.toBeInstanceOf(AccessPolicyUnavailableError);
    await expect(decided).rejects.toThrow(`access policy unavailable: ${reason}`);
  });
});
