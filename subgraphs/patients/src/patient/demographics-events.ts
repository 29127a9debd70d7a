import { publishEvents, type EntityManager } from '@caregraph/platform';

/**
 * `patient.demographics`: what other services may keep about a patient (the clinical subgraph's
 * care-gap rules need age, gender and whether the patient is alive). Key: the patient id. Each
 * event carries the full current values (not a diff), so a consumer keeps the latest by event id.
 */
export const PATIENT_DEMOGRAPHICS_TOPIC = 'patient.demographics';

export interface PatientDemographicsPayload {
  patientId: string;
  /** YYYY-MM-DD */
  birthDate: string | null;
  /** FHIR administrative gender code */
  gender: string | null;
  deceased: boolean;
}

/**
 * Publishes the stored demographics of `patientIds`, in the caller's transaction, after its flush.
 * Read back from the table (not from the entities): under concurrent partial updates the row
 * holds what both wrote, and the row lock the update took orders the events like the changes.
 */
export async function publishDemographics(em: EntityManager, patientIds: readonly string[]): Promise<void> {
  const ids = [...new Set(patientIds)];
  if (ids.length === 0) return;
  const rows = await em.execute<{ id: string; birth_date: string | null; gender: string | null; deceased: boolean }[]>(
    `select "id", to_char("birth_date", 'YYYY-MM-DD') as "birth_date", "gender", "deceased"
       from "patients"."patient" where "id" = any(string_to_array(?, ',')::uuid[]) order by "id"`,
    [ids.join(',')],
  );
  await publishEvents(em, rows.map((row) => {
    const payload: PatientDemographicsPayload = { patientId: row.id, birthDate: row.birth_date, gender: row.gender, deceased: row.deceased };
    return { topic: PATIENT_DEMOGRAPHICS_TOPIC, key: row.id, payload, producer: 'patients' };
  }));
}
