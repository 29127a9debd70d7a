import type { PatientAccessGate } from '@caregraph/platform';

/*
 * Threads and notifications may be about a patient: shown, and counted, only while the caller may
 * read that patient's clinical record (decided on every request, like every record).
 */

/** The records without a patient, and those whose patient the caller may read (reads and refusals audited as `recordType`). */
export async function visibleRecords<T extends { patientId?: string | null }>(access: PatientAccessGate, records: readonly T[], recordType: string): Promise<T[]> {
  const checked = await access.visible(records.map((record) => (record.patientId ? record : null)), 'clinical', recordType, (record) => record.patientId!);
  return records.filter((record, index) => !record.patientId || checked[index]);
}

/** The sum of per-patient counts, leaving out patients the caller may not read (one batched policy call, nothing audited: no record is shown). */
export async function visibleTotal(access: PatientAccessGate, rows: readonly { patient_id: string | null; count: string | number }[]): Promise<number> {
  const decisions = await Promise.all(rows.map((row) => (row.patient_id ? access.decision(row.patient_id, 'clinical') : { allowed: true })));
  return rows.reduce((sum, row, index) => sum + (decisions[index].allowed ? Number(row.count) : 0), 0);
}
