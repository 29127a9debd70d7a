import type { UserRole } from './gql/graphql';

export interface NavItem {
  to: string;
  label: string;
  /** The inbox entry shows the unread count (web/src/inbox/InboxNavLink.tsx). */
  unread?: 'inbox';
}

const INBOX: NavItem = { to: '/inbox', label: 'Inbox', unread: 'inbox' };

/** Where each role lands and what it may open: the screens follow the API's access rules. */
export const ROLE_NAV: Record<UserRole, NavItem[]> = {
  PHYSICIAN: [{ to: '/care', label: 'Worklist & search' }, INBOX],
  NURSE: [{ to: '/care', label: 'Worklist & search' }, INBOX],
  BILLING: [
    { to: '/billing', label: 'Claims' },
    { to: '/billing/dashboard', label: 'Dashboard' },
  ],
  PATIENT: [
    { to: '/portal', label: 'My record' },
    { to: '/portal/billing', label: 'Claims & balance' },
    { to: '/portal/consents', label: 'Sharing' },
    { to: '/portal/access', label: 'Who accessed my record' },
  ],
  ORG_ADMIN: [
    { to: '/admin/accounts', label: 'Accounts' },
    { to: '/role', label: 'More in the API' },
  ],
  COMPLIANCE: [
    { to: '/admin/audit', label: 'Audit log' },
    { to: '/role', label: 'More in the API' },
  ],
};

export const ROLE_LABEL: Record<UserRole, string> = {
  PHYSICIAN: 'Physician',
  NURSE: 'Nurse',
  BILLING: 'Billing staff',
  PATIENT: 'Patient',
  ORG_ADMIN: 'Organization admin',
  COMPLIANCE: 'Compliance officer',
};

export type Area = 'care' | 'billing' | 'portal' | 'inbox' | 'accounts' | 'audit';

export const AREA_ROLES: Record<Area, UserRole[]> = {
  care: ['PHYSICIAN', 'NURSE'],
  billing: ['BILLING'],
  portal: ['PATIENT'],
  inbox: ['PHYSICIAN', 'NURSE'],
  accounts: ['ORG_ADMIN'],
  audit: ['COMPLIANCE'],
};

export function homeOf(role: UserRole): string {
  return ROLE_NAV[role][0].to;
}
