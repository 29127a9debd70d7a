import type { Logger } from '@caregraph/platform';

/** What the gateway keeps per request: the id it assigned and a logger bound to it. */
export interface GatewayContext {
  requestId: string;
  log: Logger;
}
