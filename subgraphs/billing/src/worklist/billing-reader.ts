import { forbidden, type Principal } from '@caregraph/platform';
import { billingReader } from '../claim/billing-access';

/**
 * The organization whose claims the caller may list, total, report on and export: billing
 * staff's own, a partner app's with a Claim read scope (the rule of claim/billing-access.ts).
 * Patients (they have Patient.claims), clinicians and everyone else: FORBIDDEN.
 */
export function billingOrganizationOf(principal: Principal, what: string): string {
  const reader = billingReader(principal, 'Claim');
  if (reader?.organizationId) return reader.organizationId;
  throw forbidden(`Only billing staff and partner apps with a Claim read scope (e.g. system/Claim.read) may ${what}`);
}
