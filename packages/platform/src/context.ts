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
  | { kind: 'system'; purpose: string }
  /** A signed-in person. Staff belong to one organization; a patient is linked to their Patient record. */
  | { kind: 'user'; userId: string; role: Role; organizationId: string | null; patientId: string | null; sessionId: string }
  /** A partner app (OAuth2 client credentials) with SMART-style scopes such as `system/Claim.read`. */
  | { kind: 'client'; clientId: string; organizationId: string | null; scopes: string[] };

/** What a user account may be. */
export const ROLES = ['physician', 'nurse', 'billing', 'org_admin', 'compliance', 'patient'] as const;
export type Role = (typeof ROLES)[number];
export const CLINICIAN_ROLES: readonly Role[] = ['physician', 'nurse'];

/** What every resolver and `__resolveReference` of every subgraph receives. */
export interface RequestContext {
  /** Assigned by the gateway (x-request-id) so one user action can be followed across services. */
  requestId: string;
  log: Logger;
  /** A fork of the subgraph's EntityManager for this request only. */
  em: EntityManager;
  principal: Principal;
}
