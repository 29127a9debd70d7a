import type { Principal } from '../context';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from './schema';
import type { AuditBatcher } from './batcher';
import { sqlFor, type AuditExecutor } from './sql';

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
export type AuditActorType = 'user' | 'client' | 'system' | 'anonymous';

/** Who acted, as stored in the actor_* columns. */
export interface AuditActor {
  type: AuditActorType;
  /** userId, clientId, or the system job's purpose; null when anonymous. */
  id: string | null;
  role: string | null;
  organizationId: string | null;
}

/**
 * One audit row. `detail` must never hold PHI (no names, birth dates, identifier values, free
 * text from records): counts, field names, error codes, ids of our own records are fine.
 */
export interface AuditEvent {
  /** The writing service, e.g. 'clinical', 'gateway', 'identity'. */
  service: string;
  requestId?: string | null;
  /** The platform principal, or the actor spelled out (e.g. a failed login for a known account). */
  actor: Principal | AuditActor;
  action: AuditAction;
  outcome: AuditOutcome;
  /** The patient whose record was touched, when there is one. */
  patientId?: string | null;
  /** FHIR resource types touched, e.g. ['Observation', 'Condition']. */
  recordTypes?: readonly string[];
  /** Why (treatment, payment, operations, break-glass justification code, ...). */
  purpose?: string | null;
  /** Access under break-glass (emergency override); stored as detail.breakGlass = true. */
  breakGlass?: boolean;
  detail?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPrincipal(actor: Principal | AuditActor): actor is Principal {
  return 'kind' in actor;
}

/** Maps the platform principal onto the actor_* columns. */
export function auditActor(actor: Principal | AuditActor): AuditActor {
  if (!isPrincipal(actor)) return actor;
  switch (actor.kind) {
    case 'user':
      return { type: 'user', id: actor.userId, role: actor.role, organizationId: actor.organizationId };
    case 'client':
      return { type: 'client', id: actor.clientId, role: null, organizationId: actor.organizationId };
    case 'system':
      return { type: 'system', id: actor.purpose, role: null, organizationId: null };
    case 'anonymous':
      return { type: 'anonymous', id: null, role: null, organizationId: null };
  }
}

function checkUuid(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  if (!UUID.test(value)) throw new Error(`audit event: ${field} must be a uuid`);
  return value;
}

/** One event as the insert statement unpacks it (validated; one element of the batch's jsonb array). */
export type AuditRow = Record<string, unknown>;

/** Validates events and turns them into rows (throws for an event the log would refuse). */
export function auditRows(events: AuditEvent | readonly AuditEvent[]): AuditRow[] {
  return ((Array.isArray(events) ? events : [events]) as readonly AuditEvent[]).map(toRow);
}

function toRow(event: AuditEvent): AuditRow {
  if (!event.service) throw new Error('audit event: service is required');
  if (!(AUDIT_ACTIONS as readonly string[]).includes(event.action)) throw new Error('audit event: unknown action');
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(event.outcome)) throw new Error('audit event: unknown outcome');
  const actor = auditActor(event.actor);
  const detail = { ...(event.detail ?? {}) };
  if (event.breakGlass) detail.breakGlass = true;
  const purpose = event.purpose ?? (isPrincipal(event.actor) && event.actor.kind === 'system' ? event.actor.purpose : null);
  return {
    service: event.service,
    requestId: event.requestId ?? null,
    actorType: actor.type,
    actorId: actor.id,
    actorRole: actor.role,
    actorOrganizationId: checkUuid(actor.organizationId, 'actor organizationId'),
    action: event.action,
    outcome: event.outcome,
    patientId: checkUuid(event.patientId, 'patientId'),
    recordTypes: [...new Set(event.recordTypes ?? [])].sort(),
    purpose,
    detail,
  };
}

/**
 * One statement for the whole batch: the rows travel as a single jsonb parameter (works the same
 * through node-postgres and MikroORM, whatever the batch size) and are inserted in array order.
 */
const INSERT = `
insert into audit.event (service, request_id, actor_type, actor_id, actor_role, actor_organization_id,
                         action, outcome, patient_id, record_types, purpose, detail)
select e->>'service', e->>'requestId', e->>'actorType', e->>'actorId', e->>'actorRole',
       (e->>'actorOrganizationId')::uuid, e->>'action', e->>'outcome', (e->>'patientId')::uuid,
       array(select jsonb_array_elements_text(e->'recordTypes')), e->>'purpose', e->'detail'
from jsonb_array_elements($1::jsonb) with ordinality as batch(e, n)
order by n
returning id::text as id`;

/**
 * Appends events to the audit log in one statement and returns their ids (ascending). With a
 * MikroORM EntityManager the insert joins the em's transaction, if any, so the audit row commits
 * (or rolls back) with the data change it describes.
 */
export async function appendAudit(executor: AuditExecutor, events: AuditEvent | readonly AuditEvent[]): Promise<string[]> {
  return insertAuditRows(executor, auditRows(events));
}

/**
 * Inserts rows made by `auditRows` in one statement; their ids in row order (the chain numbers rows
 * in the order the statement inserts them, which is array order).
 */
export async function insertAuditRows(executor: AuditExecutor, rows: readonly AuditRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await sqlFor(executor).query<{ id: string }>(INSERT, [JSON.stringify(rows)]);
  return inserted.map((row) => row.id).sort((a, b) => Number(BigInt(a) - BigInt(b)));
}

/** What one request read (or was refused), per patient and outcome: one audit row each on flush. */
interface PendingReads {
  patientId: string | null;
  outcome: 'success' | 'denied';
  recordTypes: Set<string>;
  count: number;
  breakGlass: boolean;
  purpose: string | null | undefined;
}

export interface AuditLogDefaults {
  service: string;
  requestId?: string | null;
  actor: Principal | AuditActor;
  purpose?: string | null;
  breakGlass?: boolean;
}

/** How one read came about: under break-glass, and for which purpose (overrides the defaults). */
export interface ReadNote {
  breakGlass?: boolean;
  purpose?: string | null;
}

/**
 * A per-request audit writer: `record()` writes now; `noteRead()` / `noteDenied()` collect and
 * `flush()` writes one row per patient and outcome (record types listed, count in detail) in a
 * single insert, which is the intended granularity for lists and graph traversals that load many
 * records.
 */
export class AuditLog {
  private readonly pending = new Map<string, PendingReads>();
  private denials = 0;

  /**
   * `executor`: where events go by default, outside any transaction of the request. `batcher`: when
   * set, those standalone events go through it instead, together with other requests' (batcher.ts).
   */
  constructor(
    private readonly executor: AuditExecutor,
    private readonly defaults: AuditLogDefaults,
    private readonly batcher?: AuditBatcher,
  ) {}

  /**
   * Writes one event now, filling service, request id, actor and purpose from the defaults. With
   * `executor` (e.g. the EntityManager of a write's transaction), in that transaction.
   */
  async record(event: Omit<AuditEvent, 'service' | 'actor' | 'requestId'> & Partial<Pick<AuditEvent, 'service' | 'actor' | 'requestId'>>, executor?: AuditExecutor): Promise<string> {
    const [id] = await this.append([this.complete(event)], executor);
    return id;
  }

  /** Notes that `count` records of `recordType` of `patientId` (null: not patient data) were read. */
  noteRead(patientId: string | null, recordType: string, count = 1, note: ReadNote = {}): void {
    const entry = this.entry(patientId, 'success');
    entry.recordTypes.add(recordType);
    entry.count += count;
    if (note.breakGlass) entry.breakGlass = true;
    if (note.purpose !== undefined) entry.purpose = note.purpose;
  }

  /** Notes a refused attempt to read `recordType` of `patientId`. */
  noteDenied(patientId: string | null, recordType: string): void {
    this.denials += 1;
    const entry = this.entry(patientId, 'denied');
    entry.recordTypes.add(recordType);
    entry.count += 1;
  }

  /** Whether a refusal was noted in this request (flushed or not). */
  get deniedNoted(): boolean {
    return this.denials > 0;
  }

  /** Number of rows the next flush writes. */
  get pendingPatients(): number {
    return this.pending.size;
  }

  /** Writes the noted reads and denials (one row per patient and outcome) and clears them. */
  async flush(executor?: AuditExecutor): Promise<string[]> {
    if (this.pending.size === 0) return [];
    const events = [...this.pending.values()].map((reads) =>
      this.complete({
        action: 'read',
        outcome: reads.outcome,
        patientId: reads.patientId,
        recordTypes: [...reads.recordTypes],
        breakGlass: reads.breakGlass || undefined,
        ...(reads.purpose !== undefined && { purpose: reads.purpose }),
        detail: { records: reads.count },
      }),
    );
    this.pending.clear();
    return this.append(events, executor);
  }

  private append(events: readonly AuditEvent[], executor: AuditExecutor | undefined): Promise<string[]> {
    if (executor) return appendAudit(executor, events);
    return this.batcher ? this.batcher.append(events) : appendAudit(this.executor, events);
  }

  private entry(patientId: string | null, outcome: PendingReads['outcome']): PendingReads {
    const key = `${patientId ?? ''}|${outcome}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { patientId, outcome, recordTypes: new Set(), count: 0, breakGlass: false, purpose: undefined };
      this.pending.set(key, entry);
    }
    return entry;
  }

  private complete(event: Partial<AuditEvent> & Pick<AuditEvent, 'action' | 'outcome'>): AuditEvent {
    return {
      ...event,
      service: event.service ?? this.defaults.service,
      requestId: event.requestId !== undefined ? event.requestId : (this.defaults.requestId ?? null),
      actor: event.actor ?? this.defaults.actor,
      purpose: event.purpose !== undefined ? event.purpose : (this.defaults.purpose ?? null),
      breakGlass: event.breakGlass ?? this.defaults.breakGlass,
    };
  }
}
