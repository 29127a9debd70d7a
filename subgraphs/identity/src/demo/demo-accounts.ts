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
  /** How screens name them: a physician by the practitioner they are, the others by their role ("Demo Nurse"). */
  displayName: string;
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
 * belonging to the first hospital. A physician is the practitioner `practitioners[hospital id]`
 * when given: linked to it (so they can be @mentioned) and named by it, so the two hospitals'
 * physicians have names of their own in a shared chart. Everything uses DEMO_PASSWORD. Returns the
 * list to print, with the names as stored (an account seeded earlier keeps its name).
 */
export async function seedDemoAccounts(
  em: EntityManager,
  input: { organizations: { id: string; type: string; name?: string }[]; patientIds: string[]; practitioners?: Record<string, { id: string; name: string }> },
): Promise<DemoSeedResult> {
  const hospitals = input.organizations.filter((o) => o.type.toLowerCase() === 'hospital').slice(0, 2);
  const plans: { account: Omit<DemoAccount, 'password'> }[] = [];
  hospitals.forEach((hospital, index) => {
    const slug = (hospital.name && slugify(hospital.name)) || `hospital-${index + 1}`;
    for (const { role, title } of STAFF) {
      const practitioner = role === 'physician' ? input.practitioners?.[hospital.id] : undefined;
      plans.push({
        account: {
          email: `${role.replace('_', '-')}@${slug}.demo`, role, organizationId: hospital.id, patientId: null,
          practitionerId: practitioner?.id ?? null, displayName: practitioner?.name.trim() || title,
        },
      });
    }
  });
  input.patientIds.slice(0, 2).forEach((patientId, index) => {
    plans.push({ account: { email: `patient${index + 1}@patients.demo`, role: 'patient', organizationId: null, patientId, practitionerId: null, displayName: `Demo Patient ${index + 1}` } });
  });

  const existing = new Set((await em.find(UserAccount, { email: { $in: plans.map((p) => p.account.email) } })).map((u) => u.email));
  const passwordHash = plans.some((p) => !existing.has(p.account.email)) ? await hashSecret(DEMO_PASSWORD) : '';
  for (const { account } of plans) {
    if (existing.has(account.email)) continue;
    em.create(UserAccount, { ...account, passwordHash });
  }

  const clientOrg = hospitals[0]?.id ?? null;
  if (!(await em.count(ApiClient, { clientId: DEMO_CLIENT_ID }))) {
    em.create(ApiClient, { clientId: DEMO_CLIENT_ID, secretHash: await hashSecret(DEMO_PASSWORD), name: 'Demo partner app', organizationId: clientOrg, scopes: DEMO_CLIENT_SCOPES });
  }
  const stored = await em.transactional(async (tx) => {
    await tx.flush();
    const accounts = await tx.find(UserAccount, { email: { $in: plans.map((p) => p.account.email) } }, { fields: ['id', 'email', 'displayName'] });
    // other services' directories learn the accounts with the same commit
    await publishAccounts(tx, accounts.map((u) => u.id));
    return new Map(accounts.map((u) => [u.email, u.displayName]));
  });
  return {
    accounts: plans.map(({ account }) => ({ ...account, displayName: stored.get(account.email) ?? account.displayName, password: DEMO_PASSWORD })),
    client: { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_PASSWORD, scopes: DEMO_CLIENT_SCOPES, organizationId: clientOrg },
  };
}
