import { eventually } from './support/eventually';
import { connectThroughGateway, type LiveClient } from './support/live';
import { startLiveStack, type LiveStack } from './support/live-stack';
import { tokenFor } from './support/platform';
import { insertOrganization, staff } from './support/principals';

/**
 * The gateway's /socket.io proxy (gateway/src/live-proxy.ts) and the connection it holds to the
 * messaging service for each WebSocket: the two live and end together.
 */
describe('live proxy: the connection to messaging ends with the client’s', () => {
  let stack: LiveStack;
  const clients: LiveClient[] = [];

  beforeAll(async () => {
    stack = await startLiveStack('live_proxy');
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await stack?.close();
  });

  const socketsAtMessaging = () => stack.messagingDefinition.liveServer()!.io.of('/').sockets.size;

  it('closes the WebSockets it proxied when the gateway shuts down, so messaging does not keep them as viewers', async () => {
    const organization = await insertOrganization(stack.db.url);
    const principal = staff('physician', organization);
    for (let i = 0; i < 2; i += 1) clients.push(await connectThroughGateway(stack.gateway.baseUrl, await tokenFor(principal), { transports: ['websocket'], reconnection: false }));
    await eventually(() => socketsAtMessaging() === 2, 'both sockets at messaging');

    await stack.gateway.close(); // destroys the client side of every upgraded connection
    // messaging learns at once, not when its ping times out (25 s + 20 s by default)
    await eventually(() => socketsAtMessaging() === 0, 'messaging to see both sockets leave', 5_000);
    expect(clients.every((client) => !client.connected)).toBe(true);
  });
});
