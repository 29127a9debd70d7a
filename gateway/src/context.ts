import type { Logger, Principal } from '@caregraph/platform';

/** What the gateway keeps per request: the id it assigned, a logger bound to it, and who is asking. */
export interface GatewayContext {
  requestId: string;
  log: Logger;
  /** Verified by the gateway; each subgraph receives it as a signed assertion. */
  principal: Principal;
}
