import { badInput } from '../errors/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Connection } from '../graphql/pagination';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from './schema';
import { sqlFor, type AuditExecutor } from './sql';
import type { AuditAction, AuditActorType, AuditOutcome } from './writer';

/** One audit row as compliance queries return it (the hashes stay with verify). */
export interface AuditRecord {
  id: string;
  occurredAt: Date;
  service: string;
  requestId: string | null;
  actorType: AuditActorType;
  actorId: string | null;
  actorRole: string | null;
  actorOrganizationId: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  patientId: string | null;
  recordTypes: string[];
  purpose: string | null;
  breakGlass: boolean;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  first?: number;
  after?: string | null;
}

export interface AuditQuery extends AuditPage {
  actorId?: string | null;
  /** Only events whose actor acted for this organization (actor_organization_id). */
  actorOrganizationId?: string | null;
  patientId?: string | null;
  /** Inclusive lower bound on occurred_at. */
  from?: Date | null;
  /** Exclusive upper bound on occurred_at. */
  to?: Date | null;
  outcome?: AuditOutcome | null;
  /** One action or any of several. */
  action?: AuditAction | readonly AuditAction[] | null;
  /** true: only break-glass starts and everything read or written under break-glass; false: none of them. */
  breakGlass?: boolean | null;
}

/** A patient's view: who accessed my record, when, and whether it was break-glass. */
export interface PatientAccess {
  id: string;
  occurredAt: Date;
  actorType: AuditActorType;
  actorId: string | null;
  actorRole: string | null;
  actorOrganizationId: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  recordTypes: string[];
  purpose: string | null;
  breakGlass: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** Cursor = base64url of "<occurred_at in UTC with microseconds>|<id>" (keyset on both). */
function encodeCursor(occurredAt: string, id: string): string {
  return Buffer.from(`${occurredAt}|${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { occurredAt: string; id: string } {
  const [occurredAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(occurredAt ?? '') || !/^\d{1,19}$/.test(id ?? '')) {
    throw badInput('after', 'after is not a cursor of this list');
  }
  return { occurredAt, id };
}

function pageSize(first: number | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw badInput('first', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  return size;
}

interface Row {
  id: string;
  occurred_at: Date;
  occurred_at_text: string;
  service: string;
  request_id: string | null;
  actor_type: AuditActorType;
  actor_id: string | null;
  actor_role: string | null;
  actor_organization_id: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
  patient_id: string | null;
  record_types: string[];
  purpose: string | null;
  detail: Record<string, unknown> | string;
}

function toRecord(row: Row): AuditRecord {
  const detail = typeof row.detail === 'string' ? (JSON.parse(row.detail) as Record<string, unknown>) : row.detail;
  return {
    id: row.id,
    occurredAt: new Date(row.occurred_at),
    service: row.service,
    requestId: row.request_id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    actorOrganizationId: row.actor_organization_id,
    action: row.action,
    outcome: row.outcome,
    patientId: row.patient_id,
    recordTypes: row.record_types,
    purpose: row.purpose,
    breakGlass: row.action === 'break_glass' || detail.breakGlass === true,
    detail,
  };
}

/**
 * Compliance search over the audit log, newest first, keyset-paginated on (occurred_at desc, id
 * desc). Every filter is optional; `from` is inclusive and `to` exclusive.
 */
export async function queryAudit(executor: AuditExecutor, query: AuditQuery): Promise<Connection<AuditRecord>> {
  const size = pageSize(query.first);
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.actorId != null) where.push(`actor_id = ${bind(query.actorId)}`);
  if (query.actorOrganizationId != null) {
    if (!UUID.test(query.actorOrganizationId)) throw badInput('actorOrganizationId', 'actorOrganizationId must be a uuid');
    where.push(`actor_organization_id = ${bind(query.actorOrganizationId)}::uuid`);
  }
  if (query.patientId != null) {
    if (!UUID.test(query.patientId)) throw badInput('patientId', 'patientId must be a uuid');
    where.push(`patient_id = ${bind(query.patientId)}::uuid`);
  }
  for (const [field, value] of [['from', query.from], ['to', query.to]] as const) {
    if (value != null && (!(value instanceof Date) || Number.isNaN(value.getTime()))) throw badInput(field, `${field} must be a date-time`);
  }
  if (query.from != null) where.push(`occurred_at >= ${bind(query.from.toISOString())}::timestamptz`);
  if (query.to != null) where.push(`occurred_at < ${bind(query.to.toISOString())}::timestamptz`);
  if (query.outcome != null) {
    if (!(AUDIT_OUTCOMES as readonly string[]).includes(query.outcome)) throw badInput('outcome', 'unknown outcome');
    where.push(`outcome = ${bind(query.outcome)}`);
  }
  if (query.action != null) {
    const actions = typeof query.action === 'string' ? [query.action] : [...query.action];
    if (actions.length === 0 || actions.some((action) => !(AUDIT_ACTIONS as readonly string[]).includes(action))) throw badInput('action', 'unknown action');
    // one bind per value: MikroORM inlines parameters and would expand a bound array
    where.push(`action in (${actions.map((action) => bind(action)).join(', ')})`);
  }
  if (query.breakGlass != null) {
    const flagged = `(action = 'break_glass' or coalesce(detail->>'breakGlass', '') = 'true')`;
    where.push(query.breakGlass ? flagged : `not ${flagged}`);
  }
  if (query.after) {
    const cursor = decodeCursor(query.after);
    where.push(`(occurred_at, id) < (${bind(cursor.occurredAt)}::timestamptz, ${bind(cursor.id)}::bigint)`);
  }
  const rows = await sqlFor(executor).query<Row>(
    `select id::text as id, occurred_at, to_char(occurred_at at time zone 'UTC', ${MICROS}) as occurred_at_text,
            service, request_id, actor_type, actor_id, actor_role, actor_organization_id::text as actor_organization_id,
            action, outcome, patient_id::text as patient_id, record_types, purpose, detail
     from audit.event
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by occurred_at desc, id desc
     limit ${size + 1}`,
    params,
  );
  const page = rows.slice(0, size);
  const edges = page.map((row) => ({ node: toRecord(row), cursor: encodeCursor(row.occurred_at_text, row.id) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: Boolean(query.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** The actions that count as someone accessing a patient's record. */
export const PATIENT_ACCESS_ACTIONS: readonly AuditAction[] = ['read', 'write', 'break_glass'];

/**
 * "Who accessed my record and when": reads, writes and break-glass on the patient, newest first,
 * with actor, role, organization and the break-glass flag. Denied attempts are not accesses and
 * are left out (compliance sees them through `queryAudit`).
 */
export async function patientAccessHistory(executor: AuditExecutor, patientId: string, page: AuditPage = {}): Promise<Connection<PatientAccess>> {
  const result = await queryAudit(executor, { ...page, patientId, action: PATIENT_ACCESS_ACTIONS });
  return {
    ...result,
    edges: result.edges.map(({ node, cursor }) => ({
      cursor,
      node: {
        id: node.id,
        occurredAt: node.occurredAt,
        actorType: node.actorType,
        actorId: node.actorId,
        actorRole: node.actorRole,
        actorOrganizationId: node.actorOrganizationId,
        action: node.action,
        outcome: node.outcome,
        recordTypes: node.recordTypes,
        purpose: node.purpose,
        breakGlass: node.breakGlass,
      },
    })),
  };
}
