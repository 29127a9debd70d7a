import { publishEvents, type EntityManager } from '@caregraph/platform';

/**
 * `clinical.care-gap-opened`: a chart write left a patient with a care gap that was not open
 * (DUE or OVERDUE) before it, e.g. a diabetes diagnosis opens the HbA1c gap (the messaging
 * subgraph tells the patient's care team live). Key: the patient id. Published in the write's
 * transaction. Gaps that open by the calendar alone, or with a FHIR import, are not announced:
 * they are on the care-gap worklists.
 */
export const CARE_GAP_OPENED_TOPIC = 'clinical.care-gap-opened';

export interface CareGapOpenedPayload {
  patientId: string;
  ruleId: string;
  /** The rule's stable code, e.g. `hba1c-diabetes`. */
  ruleCode: string;
  status: 'DUE' | 'OVERDUE';
  /** YYYY-MM-DD */
  dueDate: string;
}

/** One event per gap, in the caller's transaction. */
export async function publishCareGapsOpened(em: EntityManager, gaps: readonly CareGapOpenedPayload[]): Promise<void> {
  await publishEvents(em, gaps.map((payload) => ({ topic: CARE_GAP_OPENED_TOPIC, key: payload.patientId, payload, producer: 'clinical' })));
}
