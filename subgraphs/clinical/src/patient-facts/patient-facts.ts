import type { EntityManager } from '@caregraph/platform';

/**
 * What the clinical subgraph knows of a patient's demographics: a copy kept from the patients
 * subgraph's `patient.demographics` events (patient-facts.consumer.ts), for rules such as care
 * gaps (age, gender, alive). Eventually consistent: a change shows here within moments of its
 * commit. A patient with no event yet has no facts: treat that as unknown, never as "no".
 */
export interface PatientFacts {
  patientId: string;
  /** YYYY-MM-DD */
  birthDate: string | null;
  /** FHIR administrative gender: male, female, other, unknown */
  gender: string | null;
  deceased: boolean;
  /** When this copy last changed. */
  updatedAt: Date;
}

interface FactsRow {
  patient_id: string;
  birth_date: string | null;
  gender: string | null;
  deceased: boolean;
  updated_at: Date | string;
}

/** The facts of each patient that has some, by patient id (one query). */
export async function factsOf(em: EntityManager, patientIds: readonly string[]): Promise<Map<string, PatientFacts>> {
  const ids = [...new Set(patientIds)];
  if (ids.length === 0) return new Map();
  const rows = await em.execute<FactsRow[]>(
    `select "patient_id", to_char("birth_date", 'YYYY-MM-DD') as "birth_date", "gender", "deceased", "updated_at"
       from "clinical"."patient_facts" where "patient_id" = any(string_to_array(?, ',')::uuid[])`,
    [ids.join(',')],
  );
  return new Map(rows.map((row) => [row.patient_id, {
    patientId: row.patient_id,
    birthDate: row.birth_date,
    gender: row.gender,
    deceased: row.deceased,
    updatedAt: new Date(row.updated_at),
  }]));
}

/** Age in whole years on a day (YYYY-MM-DD or a Date, taken in UTC); null without a birth date. */
export function ageOn(facts: Pick<PatientFacts, 'birthDate'>, on: string | Date): number | null {
  if (!facts.birthDate) return null;
  const day = typeof on === 'string' ? on.slice(0, 10) : on.toISOString().slice(0, 10);
  const [by, bm, bd] = facts.birthDate.split('-').map(Number);
  const [y, m, d] = day.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The read helpers, as one name: `PatientFacts.factsOf(em, ids)`. */
export const PatientFacts = { factsOf, ageOn };
