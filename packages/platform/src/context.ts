import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';

/**
 * Who is asking. Until sign-in lands (access-control issue) every caller is anonymous; services
 * receive the principal with the context so checks can be added where data is loaded, in one
 * place per repository, instead of in every resolver.
 */
export type Principal =
  | { kind: 'anonymous' }
  /** Internal jobs (import, demo seed): never reachable from HTTP. */
  | { kind: 'system'; purpose: string };

/** What every resolver and `__resolveReference` of every subgraph receives. */
export interface RequestContext {
  /** Assigned by the gateway (x-request-id) so one user action can be followed across services. */
  requestId: string;
  log: Logger;
  /** A fork of the subgraph's EntityManager for this request only. */
  em: EntityManager;
  principal: Principal;
}
