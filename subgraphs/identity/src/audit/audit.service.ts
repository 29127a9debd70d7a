import { badInput, queryAudit, type AuditRecord, type Connection, type RequestContext } from '@caregraph/platform';
import { requireStaffRole } from '../access';
import type { AuditEvent } from './audit-event.type';
import type { AuditEventsArgs } from './audit.inputs';

/** Compliance search over the shared audit log, limited to the officer's own organization. */
export class AuditService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Events whose actor acted for the calling compliance officer's organization, newest first.
   * Anonymous callers get UNAUTHENTICATED; anyone but a compliance officer FORBIDDEN.
   */
  async search(args: AuditEventsArgs): Promise<Connection<AuditEvent>> {
    const officer = requireStaffRole(this.ctx.principal, 'compliance');
    if (args.from && args.to && args.from.getTime() >= args.to.getTime()) throw badInput('to', 'to must be after from');
    const page = await queryAudit(this.ctx.em, {
      actorOrganizationId: officer.organizationId,
      actorId: args.actorId ?? null,
      patientId: args.patientId?.toLowerCase() ?? null,
      from: args.from ?? null,
      to: args.to ?? null,
      outcome: args.outcome ?? null,
      action: args.action ?? null,
      breakGlass: args.breakGlass ?? null,
      first: args.first,
      after: args.after ?? null,
    });
    // reading the audit log is itself an access worth recording (one row per request, written at its end)
    this.ctx.access.audit.noteRead(args.patientId?.toLowerCase() ?? null, 'AuditEvent', page.edges.length);
    return { ...page, edges: page.edges.map(({ node, cursor }) => ({ cursor, node: withoutDetail(node) })) };
  }
}

function withoutDetail({ detail: _detail, ...event }: AuditRecord): AuditEvent {
  return event;
}
