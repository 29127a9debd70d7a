import { badInput, queryAudit, type AuditActorType, type AuditRecord, type Connection, type RequestContext } from '@caregraph/platform';
import { validate as isUuid } from 'uuid';
import { requireStaffRole } from '../access';
import { ApiClient } from '../client/api-client.entity';
import { UserAccount } from '../user/user-account.entity';
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

/** An actor of the log that has a name: a user account (by id) or a partner app (by client id). */
export interface NamedActor {
  type: Extract<AuditActorType, 'user' | 'client'>;
  id: string;
}

/**
 * The names of actors of the officer's own organization (the only ones their log shows): user
 * accounts' display names, partner apps' names; null for ids that are not theirs or no longer exist.
 * One query per kind for a whole page.
 */
export async function actorNames(ctx: RequestContext, actors: readonly NamedActor[]): Promise<(string | null)[]> {
  const { organizationId } = requireStaffRole(ctx.principal, 'compliance');
  const ids = (type: NamedActor['type']) => [...new Set(actors.filter((actor) => actor.type === type).map((actor) => actor.id))];
  const userIds = ids('user').filter((id) => isUuid(id));
  const clientIds = ids('client');
  const [users, clients] = await Promise.all([
    userIds.length ? ctx.em.find(UserAccount, { id: { $in: userIds }, organizationId }, { fields: ['id', 'displayName'] }) : [],
    clientIds.length ? ctx.em.find(ApiClient, { clientId: { $in: clientIds }, organizationId }, { fields: ['clientId', 'name'] }) : [],
  ]);
  const names = new Map<string, string>([
    ...users.map((user) => [`user:${user.id}`, user.displayName] as const),
    ...clients.map((client) => [`client:${client.clientId}`, client.name] as const),
  ]);
  return actors.map((actor) => names.get(`${actor.type}:${actor.type === 'user' ? actor.id.toLowerCase() : actor.id}`) ?? null);
}

function withoutDetail({ detail: _detail, ...event }: AuditRecord): AuditEvent {
  return event;
}
