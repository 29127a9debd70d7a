import http from 'node:http';
import net from 'node:net';
import { createKeepAliveFetcher } from './keep-alive-fetch';

/** Starts `server` on a free loopback port; its base URL. */
async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
}

const closeServer = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('createKeepAliveFetcher', () => {
  const stoppers: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop(); // clients before servers: a server closes once its connections have
  });

  /**
   * A server that answers the first request of each connection (keeping it alive) and resets the
   * connection when a second request arrives on it: what a client meets when it sends on a
   * kept-alive connection at the moment the server closes it for idleness.
   */
  async function serverClosingReusedConnections(): Promise<{ url: string; connections: () => number; answered: () => number }> {
    let connections = 0;
    let answered = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      let requests = 0;
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        while (buffered.includes('\r\n\r\n')) {
          const end = buffered.indexOf('\r\n\r\n') + 4;
          const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
          if (buffered.length < end + length) return;
          buffered = buffered.slice(end + length);
          requests += 1;
          if (requests > 1) {
            socket.resetAndDestroy();
            return;
          }
          answered += 1;
          socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: keep-alive\r\n\r\n{"ok":true}');
        }
      });
      socket.on('error', () => undefined);
    });
    const url = await listen(server);
    stoppers.push(() => closeServer(server));
    return { url, connections: () => connections, answered: () => answered };
  }

  it('sends a repeatable call again, once, on a new connection when the kept-alive one it reused was reset', async () => {
    const server = await serverClosingReusedConnections();
    const { fetcher, close } = createKeepAliveFetcher({ timeoutMs: 5_000, repeatable: true });
    stoppers.push(close);

    expect((await fetcher(server.url, { method: 'POST', body: '{}' })).status).toBe(200);
    const second = await fetcher(server.url, { method: 'POST', body: '{}' });

    expect(await second.json()).toEqual({ ok: true });
    expect(server.connections()).toBe(2);
    expect(server.answered()).toBe(2);
  });

  it('does not send a call that may not be repeated a second time: the reset is the caller\'s error', async () => {
    const server = await serverClosingReusedConnections();
    const { fetcher, close } = createKeepAliveFetcher({ timeoutMs: 5_000 });
    stoppers.push(close);

    expect((await fetcher(server.url, { method: 'POST', body: '{}' })).status).toBe(200);
    await expect(fetcher(server.url, { method: 'POST', body: '{}' })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.connections()).toBe(1);
  });

  it('lets an idle connection go before the server\'s announced keep-alive timeout, so it is never reused as the server closes it', async () => {
    let connections = 0;
    const server = http.createServer((_request, response) => response.end('{}'));
    server.keepAliveTimeout = 3_000; // announced as "Keep-Alive: timeout=3"; the agent keeps it 1 s less
    server.on('connection', () => (connections += 1));
    const url = await listen(server);
    stoppers.push(() => closeServer(server));
    const { fetcher, close } = createKeepAliveFetcher({ timeoutMs: 30_000 });
    stoppers.push(close);

    await fetcher(url);
    await fetcher(url);
    expect(connections).toBe(1); // kept alive between calls

    await new Promise((resolve) => setTimeout(resolve, 2_400)); // past 3 s − 1 s, short of the server's 3 s
    await fetcher(url);
    expect(connections).toBe(2);
  });
});
