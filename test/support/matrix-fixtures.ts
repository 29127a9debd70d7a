import { randomUUID } from 'node:crypto';
import { withSql } from './principals';

/**
 * Fixture rows for the authorization matrix: one record of each kind (encounter, claim, chart
 * comment) per patient, written with plain SQL into each subgraph's schema (their migrations
 * must have run: start the platform first), and the audit rows one request wrote.
 */

/** One encounter, one claim and one chart comment of `patientId`, held by `organizationId` (the claim billed by `claimOrganizationId`). */
export async function insertRecordOfEachKind(databaseUrl: string, patientId: string, organizationId: string, claimOrganizationId = organizationId): Promise<void> {
  await withSql(databaseUrl, async (sql) => {
    await sql(`insert into clinical.encounter (id, patient_id, organization_id, status, class_code, period_start)
               values ($1, $2, $3, 'finished', 'AMB', now() - interval '2 days')`, [randomUUID(), patientId, organizationId]);
    await sql(`insert into billing.claim (id, patient_id, provider_organization_id, status, type_code, created_at)
               values ($1, $2, $3, 'submitted', 'professional', now() - interval '1 day')`, [randomUUID(), patientId, claimOrganizationId]);
    await sql(`insert into messaging.chart_comment (id, patient_id, organization_id, body)
               values ($1, $2, $3, 'Follow-up in two weeks.')`, [randomUUID(), patientId, organizationId]);
  });
}

/** An audit row as the matrix checks it (the hash chain and timestamps are another test's business). */
export interface AuditRow {
  service: string;
  action: string;
  outcome: string;
  patient_id: string | null;
  record_types: string[];
  purpose: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_role: string | null;
  actor_organization_id: string | null;
  /** detail.breakGlass ('true' under break-glass) and detail.reason (why a token was refused). */
  break_glass: string | null;
  reason: string | null;
}

/** Every audit row written under `requestId`, in a stable order (service, then outcome). */
export function auditRowsOf(databaseUrl: string, requestId: string): Promise<AuditRow[]> {
  return withSql(databaseUrl, (sql) =>
    sql(`select service, action, outcome, patient_id::text as patient_id, record_types, purpose,
                actor_type, actor_id, actor_role, actor_organization_id::text as actor_organization_id,
                detail->>'breakGlass' as break_glass, detail->>'reason' as reason
         from audit.event where request_id = $1 order by service, outcome, id`, [requestId])) as Promise<AuditRow[]>;
}
