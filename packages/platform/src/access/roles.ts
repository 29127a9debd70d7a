import type { Principal, Role } from '../context';
import { forbidden } from '../errors/errors';

/** A signed-in staff member acting for their organization. */
export type StaffPrincipal = Extract<Principal, { kind: 'user' }> & { organizationId: string };

/**
 * The principal, when it is a user with one of `roles` acting for an organization; otherwise
 * FORBIDDEN naming what was attempted (partner apps and patients included).
 */
export function requireStaff(principal: Principal, roles: readonly Role[], action: string): StaffPrincipal {
  if (principal.kind === 'user' && roles.includes(principal.role) && principal.organizationId) return principal as StaffPrincipal;
  throw forbidden(`Only ${roles.join(', ')} may ${action}`);
}

/** Whether the principal is staff with one of `roles` (no error). */
export function isStaff(principal: Principal, roles: readonly Role[]): principal is StaffPrincipal {
  return principal.kind === 'user' && roles.includes(principal.role) && Boolean(principal.organizationId);
}
