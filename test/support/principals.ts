import { randomUUID } from 'node:crypto';
import type { Principal, Role } from '@caregraph/platform';
import { Client } from 'pg';

/**
 * Who a test says is asking (what the gateway would assert after checking a token), and the
 * smallest patients-schema rows the access policy needs to let them see something: an
 * organization to act for, a patient registered there, a consent, a break-glass window.
 * Written with plain SQL: these are fixtures, not the behaviour under test.
 */

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** A signed-in staff member of `organizationId`. */
export function staff(role: Exclude<Role, 'patient'>, organizationId: string, userId: string = randomUUID()): UserPrincipal {
  return { kind: 'user', userId, role, organizationId, patientId: null, sessionId: randomUUID() };
}

/** A signed-in patient, linked to their own Patient record. */
export function patientUser(patientId: string, userId: string = randomUUID()): UserPrincipal {
  return { kind: 'user', userId, role: 'patient', organizationId: null, patientId, sessionId: randomUUID() };
}

/** A partner app of `organizationId` with SMART scopes. */
export function partnerApp(organizationId: string, scopes: string[], clientId = `app-${randomUUID().slice(0, 8)}`): Principal {
  return { kind: 'client', clientId, organizationId, scopes };
}

/** Runs fixture SQL against a test database (`$1` parameters, node-postgres). */
export async function withSql<T>(databaseUrl: string, work: (sql: (text: string, params?: unknown[]) => Promise<any[]>) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(async (text, params = []) => (await client.query(text, params)).rows);
  } finally {
    await client.end();
  }
}

/** An organization in the directory (the patients subgraph's migrations must have run). */
export async function insertOrganization(databaseUrl: string, name = `Test Hospital ${randomUUID().slice(0, 6)}`, type = 'hospital'): Promise<string> {
  const id = randomUUID();
  await withSql(databaseUrl, (sql) =>
    sql(`insert into patients.organization (id, name, search_name, type) values ($1, $2, lower($2), $3)`, [id, name, type]));
  return id;
}

/** A patient registered (active) at each of `organizationIds`; returns the patient id. */
export async function insertPatient(databaseUrl: string, organizationIds: readonly string[], sortName = `test patient ${randomUUID().slice(0, 6)}`): Promise<string> {
  const id = randomUUID();
  await withSql(databaseUrl, async (sql) => {
    await sql(`insert into patients.patient (id, sort_name) values ($1, $2)`, [id, sortName]);
    for (const organizationId of organizationIds) {
      await sql(`insert into patients.patient_registration (id, patient_id, organization_id, mrn) values ($1, $2, $3, $4)`,
        [randomUUID(), id, organizationId, `MRN-${randomUUID().slice(0, 8)}`]);
    }
  });
  return id;
}

/** The patient's consent for `organizationId` to see `category` (clinical, billing or all). */
export async function insertConsent(databaseUrl: string, patientId: string, organizationId: string, category: 'clinical' | 'billing' | 'all'): Promise<string> {
  const id = randomUUID();
  await withSql(databaseUrl, (sql) =>
    sql(`insert into patients.patient_consent (id, patient_id, organization_id, category, granted_at, granted_by_type, granted_by_id)
         values ($1, $2, $3, $4, now() - interval '1 minute', 'system', 'test')`, [id, patientId, organizationId, category]));
  return id;
}
