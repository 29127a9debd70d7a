import type { MessageThread, ProviderMessage, ThreadParticipant } from './thread.entity';
import { MessageThreadKind } from './thread.entity';

/*
 * What live events carry: the GraphQL shapes, with ids for references and ISO dates, so a client
 * handles a pushed object and a fetched one alike.
 */

export const messagePayload = (message: ProviderMessage) => ({
  id: message.id,
  threadId: message.threadId,
  senderUserId: message.senderUserId,
  senderOrganizationId: message.senderOrganizationId,
  body: message.body,
  clientMessageId: message.clientMessageId,
  createdAt: message.createdAt.toISOString(),
});

export const readReceiptPayload = (threadId: string, receipt: Pick<ThreadParticipant, 'userId' | 'lastReadMessageId' | 'lastReadAt'>) => ({
  threadId,
  userId: receipt.userId,
  lastReadMessageId: receipt.lastReadMessageId ?? null,
  lastReadAt: receipt.lastReadAt?.toISOString() ?? null,
});

export const threadPayload = (thread: MessageThread, participantUserIds: readonly string[]) => ({
  id: thread.id,
  kind: thread.kind === MessageThreadKind.DIRECT ? 'DIRECT' : 'GROUP',
  subject: thread.subject ?? null,
  patientId: thread.patientId ?? null,
  createdByUserId: thread.createdByUserId,
  createdAt: thread.createdAt.toISOString(),
  participantUserIds: [...participantUserIds],
});
