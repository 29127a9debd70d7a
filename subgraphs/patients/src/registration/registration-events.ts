import { publishEvents, type EntityManager } from '@caregraph/platform';

/**
 * `patient.registrations`: which organizations hold an active registration of a patient (the
 * clinical subgraph lists an organization's patients with open care gaps from it). Key: the
 * patient id. Each event carries the full current list (not a diff), so a consumer keeps the latest.
 */
export const PATIENT_REGISTRATIONS_TOPIC = 'patient.registrations';

export interface PatientRegistrationsPayload {
  patientId: string;
  /** The organizations with an active registration, in id order. */
  organizationIds: string[];
}

/**
 * Publishes the stored active registrations of `patientIds`, in the caller's transaction, after
 * its flush (read back from the table, like publishDemographics).
 */
export async function publishRegistrations(em: EntityManager, patientIds: readonly string[]): Promise<void> {
  const ids = [...new Set(patientIds)];
  if (ids.length === 0) return;
  const rows = await em.execute<{ id: string; organization_ids: string[] }[]>(
    `select p."id", coalesce(array_agg(r."organization_id"::text order by r."organization_id") filter (where r."status" = 'active'), '{}') as "organization_ids"
       from "patients"."patient" p
       left join "patients"."patient_registration" r on r."patient_id" = p."id"
      where p."id" = any(string_to_array(?, ',')::uuid[])
      group by p."id" order by p."id"`,
    [ids.join(',')],
  );
  await publishEvents(em, rows.map((row) => {
    const payload: PatientRegistrationsPayload = { patientId: row.id, organizationIds: row.organization_ids };
    return { topic: PATIENT_REGISTRATIONS_TOPIC, key: row.id, payload, producer: 'patients' };
  }));
}
