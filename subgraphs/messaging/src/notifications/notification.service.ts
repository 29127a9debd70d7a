import { badInput, findPage, forbidden, notFound, perRequest, toConnection, type Connection } from '@caregraph/platform';
import type { MessagingContext } from '../context';
import { visibleRecords, visibleTotal } from '../patient-visibility';
import { Notification } from './notification.entity';
import type { MarkNotificationsReadInput, MyNotificationsArgs } from './notification.inputs';

/**
 * The signed-in user's notifications. Those about a patient the user may no longer see (a consent
 * revoked) are left out of pages and counts, like records that do not exist; reads are audited.
 */
export class NotificationService {
  static of(ctx: MessagingContext): NotificationService {
    return perRequest(ctx, NotificationService, () => new NotificationService(ctx));
  }

  private constructor(private readonly ctx: MessagingContext) {}

  private userId(): string {
    if (this.ctx.principal.kind !== 'user') throw forbidden('Notifications are for signed-in users');
    return this.ctx.principal.userId;
  }

  /** Newest first. */
  async list(args: MyNotificationsArgs, includeCount: boolean): Promise<Connection<Notification>> {
    const userId = this.userId();
    const page = toConnection(await findPage<Notification>(this.ctx.em, Notification, { userId, ...(args.unreadOnly && { readAt: null }) }, {
      first: args.first, after: args.after, orderBy: { createdAt: 'desc', id: 'asc' }, includeCount,
    }));
    const shown = new Set(await visibleRecords(this.ctx.access, page.edges.map((edge) => edge.node), 'Notification'));
    return { ...page, edges: page.edges.filter((edge) => shown.has(edge.node)) };
  }

  /** Unread notifications, counted per patient so hidden patients are left out (one policy call). */
  async unreadCount(): Promise<number> {
    const userId = this.userId();
    const rows = await this.ctx.em.execute<{ patient_id: string | null; count: string }[]>(
      `select "patient_id", count(*) as "count" from "messaging"."notification" where "user_id" = ? and "read_at" is null group by "patient_id"`,
      [userId],
    );
    return visibleTotal(this.ctx.access, rows);
  }

  /**
   * Marks the given notifications (or all) read; one of another user, or unknown, is NOT_FOUND and
   * nothing changes. The user's other sockets hear of it (`notification:read`).
   */
  async markRead(input: MarkNotificationsReadInput): Promise<{ marked: number; unreadCount: number }> {
    const userId = this.userId();
    if (!input.all === !input.ids?.length) throw badInput('ids', 'Give ids, or all: true');
    const ids = input.ids ? [...new Set(input.ids.map((id) => id.toLowerCase()))] : null;
    const marked = await this.ctx.em.transactional(async (em) => {
      if (ids) {
        const [{ owned }] = await em.execute<{ owned: string }[]>(
          `select count(*) as "owned" from "messaging"."notification" where "user_id" = ? and "id" = any(?::uuid[])`, [userId, `{${ids.join(',')}}`]);
        if (Number(owned) !== ids.length) throw notFound('Notification', 'ids');
      }
      const rows = await em.execute<{ id: string }[]>(
        `update "messaging"."notification" set "read_at" = now()
          where "user_id" = ? and "read_at" is null ${ids ? `and "id" = any(?::uuid[])` : ''} returning "id"`,
        ids ? [userId, `{${ids.join(',')}}`] : [userId],
      );
      return rows.map((row) => row.id);
    });
    const unreadCount = await this.unreadCount();
    if (marked.length) this.ctx.live.toUser(userId, 'notification:read', { ids: marked, unreadCount });
    return { marked: marked.length, unreadCount };
  }
}
