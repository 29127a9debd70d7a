import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '@caregraph/platform';
import { hashSecret } from '../auth/secrets';
import { ApiClient } from '../client/api-client.entity';
import { publishAccounts } from '../user/account-events';
import { UserAccount } from '../user/user-account.entity';

/** The one documented password of every demo account (and the demo partner app's secret). Demo data only. */
export const DEMO_PASSWORD = 'caregraph-demo-2026';
export const DEMO_CLIENT_ID = 'demo-partner-app';
export const DEMO_CLIENT_SCOPES = ['system/Claim.read', 'patient/*.read'];

const STAFF: { role: Role; title: string }[] = [
  { role: 'physician', title: 'Demo Physician' },
  { role: 'nurse', title: 'Demo Nurse' },
  { role: 'billing', title: 'Demo Billing Clerk' },
  { role: 'org_admin', title: 'Demo Administrator' },
  { role: 'compliance', title: 'Demo Compliance Officer' },
];

export interface DemoAccount {
  email: string;
  password: string;
  role: Role;
  organizationId: string | null;
  patientId: string | null;
  /** Physicians: a practitioner of their hospital, so they can be @mentioned. */
  practitionerId: string | null;
}

export interface DemoSeedResult {
  accounts: DemoAccount[];
  client: { clientId: string; clientSecret: string; scopes: string[]; organizationId: string | null };
}

const slugify = (value: string) =>
  value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);

/**
 * Creates (idempotently: existing emails and the client id are left alone) for each of the first
 * two hospitals a physician, nurse, billing clerk, org admin and compliance officer
 * (`physician@<hospital-slug>.demo`), two patient accounts (`patient1@patients.demo`, ...) for
 * the first two given patient ids, and one partner app with `system/Claim.read patient/*.read`
 * belonging to the first hospital. A physician is linked to `practitionerIds[hospital id]` when
 * given. Everything uses DEMO_PASSWORD. Returns the list to print.
 */
export async function seedDemoAccounts(
  em: EntityManager,
  input: { organizations: { id: string; type: string; name?: string }[]; patientIds: string[]; practitionerIds?: Record<string, string> },
): Promise<DemoSeedResult> {
  const hospitals = input.organizations.filter((o) => o.type.toLowerCase() === 'hospital').slice(0, 2);
  const plans: { account: Omit<DemoAccount, 'password'>; displayName: string }[] = [];
  hospitals.forEach((hospital, index) => {
    const slug = (hospital.name && slugify(hospital.name)) || `hospital-${index + 1}`;
    for (const { role, title } of STAFF) {
      const practitionerId = role === 'physician' ? input.practitionerIds?.[hospital.id] ?? null : null;
      plans.push({ account: { email: `${role.replace('_', '-')}@${slug}.demo`, role, organizationId: hospital.id, patientId: null, practitionerId }, displayName: title });
    }
  });
  input.patientIds.slice(0, 2).forEach((patientId, index) => {
    plans.push({ account: { email: `patient${index + 1}@patients.demo`, role: 'patient', organizationId: null, patientId, practitionerId: null }, displayName: `Demo Patient ${index + 1}` });
  });

  const existing = new Set((await em.find(UserAccount, { email: { $in: plans.map((p) => p.account.email) } })).map((u) => u.email));
  const passwordHash = plans.some((p) => !existing.has(p.account.email)) ? await hashSecret(DEMO_PASSWORD) : '';
  for (const { account, displayName } of plans) {
    if (existing.has(account.email)) continue;
    em.create(UserAccount, { ...account, passwordHash, displayName });
  }

  const clientOrg = hospitals[0]?.id ?? null;
  if (!(await em.count(ApiClient, { clientId: DEMO_CLIENT_ID }))) {
    em.create(ApiClient, { clientId: DEMO_CLIENT_ID, secretHash: await hashSecret(DEMO_PASSWORD), name: 'Demo partner app', organizationId: clientOrg, scopes: DEMO_CLIENT_SCOPES });
  }
  await em.transactional(async (tx) => {
    await tx.flush();
    // other services' directories learn the accounts with the same commit
    await publishAccounts(tx, (await tx.find(UserAccount, { email: { $in: plans.map((p) => p.account.email) } }, { fields: ['id'] })).map((u) => u.id));
  });
  return {
    accounts: plans.map(({ account }) => ({ ...account, password: DEMO_PASSWORD })),
    client: { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_PASSWORD, scopes: DEMO_CLIENT_SCOPES, organizationId: clientOrg },
  };
}
