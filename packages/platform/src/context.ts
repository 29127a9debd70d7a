import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { NO_ACCESS_POLICY, PatientAccessGate } from './access/patient-access-gate';
import type { AccessPolicyFunction } from './access/policy';
import type { AuditBatcher } from './audit/batcher';

/**
 * Who is asking, as the gateway vouched for it (signed assertion). Services check it where they
 * load data, through the request's PatientAccessGate, not in resolvers.
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
  /** The patient access policy for this request: ask it before returning a patient's records. */
  access: PatientAccessGate;
}

/**
 * The context of one request (or one job): the principal, a fresh EntityManager fork and the
 * access gate over `policy` (none: any patient-data check fails closed). What the subgraph server
 * builds per HTTP request, and what a script or a test builds by hand.
 */
export function createRequestContext(options: {
  service: string;
  em: EntityManager;
  principal: Principal;
  log: Logger;
  requestId: string;
  policy?: AccessPolicyFunction;
  /** Where the gate writes audit rows; default a fork of `em`, outside the request's transactions. */
  auditExecutor?: EntityManager;
  /** The process's audit batcher: the request's standalone audit rows go with other requests' (audit/batcher.ts). */
  auditBatcher?: AuditBatcher;
}): RequestContext {
  const { service, em, principal, log, requestId } = options;
  return {
    requestId,
    log,
    em,
    principal,
    access: new PatientAccessGate(principal, options.policy ?? NO_ACCESS_POLICY, { service, requestId, executor: options.auditExecutor ?? em.fork(), batcher: options.auditBatcher }),
  };
}
