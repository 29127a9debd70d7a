import {
  AppError, CLINICIAN_ROLES, badInput, conflict, findPage, notFound, perRequest, requireStaff, toConnection,
  type Connection, type RequestContext, type StaffPrincipal,
} from '@caregraph/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import { accessSubjectOf, DirectoryAccount, isActiveClinician } from '../directory/directory-account.entity';
import { directoryAccounts } from '../directory/directory.loader';
import type { MessagingContext } from '../context';
import { visibleRecords, visibleTotal } from '../patient-visibility';
import { MessageThread, MessageThreadKind, ProviderMessage, ThreadParticipant } from './thread.entity';
import type { MarkThreadReadInput, MessageThreadsArgs, SendMessageInput, StartThreadInput, ThreadMessagesArgs } from './thread.inputs';
import { messagePayload, readReceiptPayload, threadPayload } from './thread.payloads';

interface MessageRow {
  id: string;
  seq: string;
  thread_id: string;
  sender_user_id: string;
  sender_organization_id: string;
  body: string;
  client_message_id: string;
  created_at: Date;
}

const MESSAGE_COLUMNS = `"id", "seq"::text, "thread_id", "sender_user_id", "sender_organization_id", "body", "client_message_id", "created_at"`;

const toMessage = (row: MessageRow): ProviderMessage => Object.assign(new ProviderMessage(), {
  id: row.id, seq: String(row.seq), threadId: row.thread_id, senderUserId: row.sender_user_id, senderOrganizationId: row.sender_organization_id,
  body: row.body, clientMessageId: row.client_message_id, createdAt: new Date(row.created_at),
});

/**
 * Provider message threads: started, listed with unread counts, read page by page, written to,
 * and read receipts. A thread about a patient is open to a participant only while they may read
 * that patient's chart (decided on every request; reads and writes audited against the patient).
 * Live delivery (`message:new`, `thread:read`, `thread:new`) goes to each participant's sockets
 * after the change commits, so a GraphQL mutation and a socket event broadcast alike.
 */
export class ThreadService {
  static of(ctx: MessagingContext): ThreadService {
    return perRequest(ctx, ThreadService, () => new ThreadService(ctx));
  }

  private constructor(private readonly ctx: MessagingContext) {}

  private clinician(action: string): StaffPrincipal {
    return requireStaff(this.ctx.principal, CLINICIAN_ROLES, action);
  }

  /** Starts a thread; a DIRECT one already there for the pair (and patient) is returned as it is. */
  async start(input: StartThreadInput): Promise<MessageThread> {
    const me = this.clinician('start message threads');
    const others = input.participantUserIds.map((id) => id.toLowerCase());
    if (others.includes(me.userId)) throw badInput('participantUserIds', 'List the other participants only: you take part yourself');
    if (input.kind === MessageThreadKind.DIRECT && others.length !== 1) throw badInput('participantUserIds', 'A direct thread has exactly one other participant');
    const accounts = await this.ctx.em.find(DirectoryAccount, { userId: { $in: others } });
    const byId = new Map(accounts.map((account) => [account.userId, account]));
    if (!others.every((id) => isActiveClinician(byId.get(id)))) throw notFound('Clinician', 'participantUserIds');

    const patientId = input.patientId?.toLowerCase() ?? null;
    if (patientId) {
      await this.ctx.access.requireWrite(patientId, 'clinical', 'MessageThread', 'patientId', () => true);
      const decisions = await this.ctx.access.decisionsFor(accounts.map(accessSubjectOf), patientId, 'clinical');
      const refused = others.filter((id) => !decisions.get(id)?.allowed);
      if (refused.length) {
        throw new AppError('FORBIDDEN', "Every participant must be able to see the patient's chart", { field: 'participantUserIds', userIds: refused });
      }
    } else if (accounts.some((account) => account.organizationId !== me.organizationId)) {
      throw badInput('patientId', 'A thread with clinicians of other organizations must be about a patient all of them may see');
    }

    const directKey = input.kind === MessageThreadKind.DIRECT ? `${[me.userId, others[0]].sort().join(':')}:${patientId ?? '-'}` : null;
    if (directKey) {
      const existing = await this.ctx.em.findOne(MessageThread, { directKey });
      if (existing) return existing;
    }
    const em = this.ctx.em;
    const thread = em.create(MessageThread, { kind: input.kind, subject: input.subject?.trim() || null, patientId, createdByUserId: me.userId, directKey });
    em.create(ThreadParticipant, { thread, userId: me.userId, organizationId: me.organizationId });
    for (const id of others) em.create(ThreadParticipant, { thread, userId: id, organizationId: byId.get(id)!.organizationId });
    try {
      await this.ctx.access.flushAudited(em, patientId, 'clinical', 'MessageThread', { operation: 'start', threadId: thread.id });
    } catch (error) {
      // the same pair started their direct thread at the same moment: theirs is the one
      if (!(directKey && error instanceof UniqueConstraintViolationException)) throw error;
      em.clear(); // forget the rows that were not written
      return em.findOneOrFail(MessageThread, { directKey });
    }
    const payload = threadPayload(thread, [me.userId, ...others]);
    for (const id of others) this.ctx.live.toUser(id, 'thread:new', payload);
    return thread;
  }

  /** One thread by id: null unless the caller takes part and may (still) see its patient. */
  async byId(id: string): Promise<MessageThread | null> {
    const me = this.clinician('read message threads');
    if (!isUuid(id)) return null;
    const thread = await this.ctx.em.findOne(MessageThread, { id: id.toLowerCase(), participants: { $some: { userId: me.userId } } });
    return thread ? (await visibleRecords(this.ctx.access, [thread], 'MessageThread'))[0] ?? null : null;
  }

  /** The caller's threads, most recent activity first; those about a patient they may no longer see are left out of the page. */
  async list(args: MessageThreadsArgs, includeCount: boolean): Promise<Connection<MessageThread>> {
    const me = this.clinician('read message threads');
    const page = toConnection(await findPage<MessageThread>(this.ctx.em, MessageThread, { participants: { $some: { userId: me.userId } } }, {
      first: args.first, after: args.after, orderBy: { lastActivityAt: 'desc', id: 'desc' }, includeCount,
    }));
    const shown = new Set(await visibleRecords(this.ctx.access, page.edges.map((edge) => edge.node), 'MessageThread'));
    return { ...page, edges: page.edges.filter((edge) => shown.has(edge.node)) };
  }

  /** A thread the caller takes part in and may use now (for a patient thread: `intent` on the chart), or NOT_FOUND on `field`. */
  private async requireThread(threadId: string, me: StaffPrincipal, intent: 'read' | 'write'): Promise<MessageThread> {
    const thread = await this.ctx.em.findOne(MessageThread, { id: threadId.toLowerCase(), participants: { $some: { userId: me.userId } } });
    if (!thread) throw notFound('MessageThread', 'threadId');
    if (thread.patientId) {
      if (intent === 'write') await this.ctx.access.requireWrite(thread.patientId, 'clinical', 'ProviderMessage', 'threadId', () => true);
      else if (!(await this.ctx.access.check(thread.patientId, 'clinical', 'MessageThread'))) throw notFound('MessageThread', 'threadId');
    }
    return thread;
  }

  /** Sends a message; a retry (same clientMessageId) returns the stored message and broadcasts nothing. */
  async send(input: SendMessageInput): Promise<ProviderMessage> {
    const me = this.clinician('send messages');
    const thread = await this.requireThread(input.threadId, me, 'write');
    const sent = await this.findSent(me.userId, input.clientMessageId);
    if (sent) return this.retried(sent, thread);

    let message: ProviderMessage | undefined;
    await this.ctx.em.transactional(async (em) => {
      const [row] = await em.execute<MessageRow[]>(
        `insert into "messaging"."provider_message" ("id", "thread_id", "sender_user_id", "sender_organization_id", "body", "client_message_id")
         values (gen_random_uuid(), ?, ?, ?, ?, ?)
         on conflict ("sender_user_id", "client_message_id") do nothing
         returning ${MESSAGE_COLUMNS}`,
        [thread.id, me.userId, me.organizationId, input.body.trim(), input.clientMessageId],
      );
      if (!row) return; // a concurrent retry stored it first
      message = toMessage(row);
      await em.execute(`update "messaging"."message_thread" set "last_activity_at" = ? where "id" = ?`, [message.createdAt, thread.id]);
      await this.advanceReceipt(em, thread.id, me.userId, message); // the sender has read what they sent
      await this.ctx.access.recordWrite(em, thread.patientId ?? null, 'clinical', 'ProviderMessage', { operation: 'send', threadId: thread.id, messageId: message.id });
    });
    if (!message) return this.retried((await this.findSent(me.userId, input.clientMessageId))!, thread);
    await this.deliver(thread, message);
    return message;
  }

  private findSent(senderUserId: string, clientMessageId: string): Promise<ProviderMessage | null> {
    return this.ctx.em.findOne(ProviderMessage, { senderUserId, clientMessageId });
  }

  private retried(message: ProviderMessage, thread: MessageThread): ProviderMessage {
    if (message.threadId !== thread.id) throw conflict('This clientMessageId was already used for a message in another thread', { field: 'clientMessageId' });
    return message;
  }

  /**
   * `message:new` to every participant's sockets (the sender's other devices too). In a thread
   * about a patient, only to those who may still read the chart, asked as the sender.
   */
  private async deliver(thread: MessageThread, message: ProviderMessage): Promise<void> {
    const participants = await this.ctx.em.find(ThreadParticipant, { thread: thread.id }, { fields: ['userId'] });
    let recipients = participants.map((participant) => participant.userId).filter((id) => id !== message.senderUserId);
    if (thread.patientId && recipients.length) {
      const accounts = (await directoryAccounts(this.ctx).loadMany(recipients)).filter((account): account is DirectoryAccount => !(account instanceof Error) && isActiveClinician(account));
      const decisions = await this.ctx.access.decisionsFor(accounts.map(accessSubjectOf), thread.patientId, 'clinical');
      recipients = accounts.filter((account) => decisions.get(account.userId)?.allowed).map((account) => account.userId);
    }
    const payload = { threadId: thread.id, message: messagePayload(message) };
    for (const userId of [message.senderUserId, ...recipients]) this.ctx.live.toUser(userId, 'message:new', payload);
  }

  /** Moves a participant's receipt up to `message` (never back); true when it moved. */
  private async advanceReceipt(em: RequestContext['em'], threadId: string, userId: string, message: ProviderMessage): Promise<ThreadParticipant | null> {
    const rows = await em.execute<{ last_read_at: Date }[]>(
      `update "messaging"."thread_participant" set "last_read_seq" = ?::bigint, "last_read_message_id" = ?, "last_read_at" = now()
        where "thread_id" = ? and "user_id" = ? and "last_read_seq" < ?::bigint returning "last_read_at"`,
      [message.seq, message.id, threadId, userId, message.seq],
    );
    if (!rows.length) return null;
    return Object.assign(new ThreadParticipant(), { userId, lastReadSeq: message.seq, lastReadMessageId: message.id, lastReadAt: new Date(rows[0].last_read_at) });
  }

  /** The caller's read receipt moves up to a message (default the latest); every participant hears of it (`thread:read`). */
  async markRead(input: MarkThreadReadInput): Promise<ThreadParticipant> {
    const me = this.clinician('read message threads');
    const thread = await this.requireThread(input.threadId, me, 'read');
    const target = input.upToMessageId
      ? await this.ctx.em.findOne(ProviderMessage, { id: input.upToMessageId.toLowerCase(), threadId: thread.id })
      : await this.ctx.em.findOne(ProviderMessage, { threadId: thread.id }, { orderBy: { seq: 'desc' } });
    if (input.upToMessageId && !target) throw notFound('ProviderMessage', 'upToMessageId');
    const moved = target ? await this.advanceReceipt(this.ctx.em, thread.id, me.userId, target) : null;
    if (moved) {
      const payload = readReceiptPayload(thread.id, moved);
      const participants = await this.ctx.em.find(ThreadParticipant, { thread: thread.id }, { fields: ['userId'] });
      for (const participant of participants) this.ctx.live.toUser(participant.userId, 'thread:read', payload);
    }
    return this.ctx.em.findOneOrFail(ThreadParticipant, { thread: thread.id, userId: me.userId }, { refresh: true });
  }

  /** Whether the caller may read the messages of a thread they reached (its patient decided for reading in this request). */
  private async readable(thread: MessageThread): Promise<boolean> {
    return !thread.patientId || this.ctx.access.check(thread.patientId, 'clinical', 'ProviderMessage');
  }

  /** A thread's messages, newest first; the read is audited against its patient. */
  async messages(thread: MessageThread, args: ThreadMessagesArgs, includeCount: boolean): Promise<Connection<ProviderMessage> | null> {
    if (!(await this.readable(thread))) return null;
    const page = await findPage<ProviderMessage>(this.ctx.em, ProviderMessage, { threadId: thread.id }, { first: args.first, after: args.after, orderBy: { seq: 'desc' }, includeCount });
    if (thread.patientId && page.items.length) this.ctx.access.noteRead(thread.patientId, 'clinical', 'ProviderMessage', page.items.length);
    return toConnection(page);
  }

  /** The caller's unread messages per thread (others' messages past their receipt), batched. */
  unreadCount(threadId: string): Promise<number> {
    const me = this.clinician('read message threads');
    const loader = perRequest(this.ctx, 'thread-unread', () => new DataLoader<string, number>(async (ids) => {
      const rows = await this.ctx.em.execute<{ thread_id: string; unread: string }[]>(
        `select p."thread_id", count(m."id") as "unread"
           from "messaging"."thread_participant" p
           left join "messaging"."provider_message" m on m."thread_id" = p."thread_id" and m."seq" > p."last_read_seq" and m."sender_user_id" <> p."user_id"
          where p."user_id" = ? and p."thread_id" = any(?::uuid[])
          group by p."thread_id"`,
        [me.userId, `{${ids.join(',')}}`],
      );
      const counts = new Map(rows.map((row) => [row.thread_id, Number(row.unread)]));
      return ids.map((id) => counts.get(id) ?? 0);
    }));
    return loader.load(threadId);
  }

  /** The caller's unread messages over all their threads, leaving out threads about patients they may no longer see. */
  async totalUnread(): Promise<number> {
    const me = this.clinician('read message threads');
    const rows = await this.ctx.em.execute<{ patient_id: string | null; count: string }[]>(
      `select t."patient_id", count(m."id") as "count"
         from "messaging"."thread_participant" p
         join "messaging"."message_thread" t on t."id" = p."thread_id"
         join "messaging"."provider_message" m on m."thread_id" = p."thread_id" and m."seq" > p."last_read_seq" and m."sender_user_id" <> p."user_id"
        where p."user_id" = ?
        group by t."patient_id"`,
      [me.userId],
    );
    return visibleTotal(this.ctx.access, rows);
  }

  /** The thread's participants, batched per request. */
  participants(threadId: string): Promise<ThreadParticipant[]> {
    const loader = perRequest(this.ctx, 'thread-participants', () => new DataLoader<string, ThreadParticipant[]>(async (ids) => {
      const rows = await this.ctx.em.find(ThreadParticipant, { thread: { $in: [...ids] } }, { orderBy: { joinedAt: 'asc', userId: 'asc' } });
      return ids.map((id) => rows.filter((row) => row.thread.id === id));
    }));
    return loader.load(threadId);
  }

  /** The thread's latest message, batched per request (the read is audited like `messages`). */
  async lastMessage(thread: MessageThread): Promise<ProviderMessage | null> {
    const loader = perRequest(this.ctx, 'thread-last-message', () => new DataLoader<string, ProviderMessage | null>(async (ids) => {
      const rows = await this.ctx.em.execute<MessageRow[]>(
        `select distinct on ("thread_id") ${MESSAGE_COLUMNS}
           from "messaging"."provider_message" where "thread_id" = any(?::uuid[]) order by "thread_id", "seq" desc`,
        [`{${ids.join(',')}}`],
      );
      const byThread = new Map(rows.map((row) => [row.thread_id, toMessage(row)]));
      return ids.map((id) => byThread.get(id) ?? null);
    }));
    if (!(await this.readable(thread))) return null;
    const message = await loader.load(thread.id);
    if (message && thread.patientId) this.ctx.access.noteRead(thread.patientId, 'clinical', 'ProviderMessage', 1);
    return message;
  }
}
