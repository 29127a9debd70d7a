import { forbidden, requireStaff, unauthenticated, type Principal, type Role, type StaffPrincipal } from '@caregraph/platform';

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** The signed-in user, or UNAUTHENTICATED (anonymous) / FORBIDDEN (partner apps, internal jobs). */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind === 'anonymous') throw unauthenticated();
  if (principal.kind !== 'user') throw forbidden('Only signed-in users may do this');
  return principal;
}

/** A signed-in staff member of one organization with one of `roles`. */
export function requireStaffRole(principal: Principal, ...roles: Role[]): StaffPrincipal {
  requireUser(principal);
  return requireStaff(principal, roles, 'do this');
}
