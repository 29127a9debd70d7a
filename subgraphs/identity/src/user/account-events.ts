import { publishEvents, type EntityManager } from '@caregraph/platform';

/**
 * `identity.account`: a staff account as other services may know it (the messaging subgraph's
 * directory of clinicians: who can be a thread participant, which account a mentioned practitioner
 * signs in with). Key: the user id. Each event carries the full current values (not a diff), so a
 * consumer keeps the latest by event id. Patient accounts are never published (their display name
 * is a patient's name).
 */
export const ACCOUNT_TOPIC = 'identity.account';

export interface AccountPayload {
  userId: string;
  role: string;
  organizationId: string;
  practitionerId: string | null;
  displayName: string;
  active: boolean;
}

/**
 * Publishes the stored staff accounts among `userIds`, in the caller's transaction, after its
 * flush (read back from the table, like the patients subgraph's events).
 */
export async function publishAccounts(em: EntityManager, userIds: readonly string[]): Promise<void> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return;
  const rows = await em.execute<{ id: string; role: string; organization_id: string; practitioner_id: string | null; display_name: string; active: boolean }[]>(
    `select "id", "role", "organization_id", "practitioner_id", "display_name", "active"
       from "identity"."user_account" where "id" = any(string_to_array(?, ',')::uuid[]) and "role" <> 'patient' order by "id"`,
    [ids.join(',')],
  );
  await publishEvents(em, rows.map((row) => {
    const payload: AccountPayload = {
      userId: row.id, role: row.role, organizationId: row.organization_id, practitionerId: row.practitioner_id, displayName: row.display_name, active: row.active,
    };
    return { topic: ACCOUNT_TOPIC, key: row.id, payload, producer: 'identity' };
  }));
}
