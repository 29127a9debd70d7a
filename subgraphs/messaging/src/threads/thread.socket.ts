import { DirectoryAccount } from '../directory/directory-account.entity';
import type { LiveExtension } from '../live/live-hub';
import { parsePayload } from '../live/payloads';
import { MarkThreadReadInput, SendMessageInput } from './thread.inputs';
import { messagePayload, readReceiptPayload } from './thread.payloads';
import { ThreadService } from './thread.service';

/**
 * Messages on the socket server (live/live-hub.ts, LiveExtension). `message:send` { threadId,
 * body, clientMessageId } acks the message (a retry with the same clientMessageId acks the stored
 * one); `message:read` { threadId, upToMessageId? } acks the caller's read receipt. The same
 * services as sendMessage and markThreadRead, so the broadcasts (`message:new`, `thread:read`) are
 * the same. Presence names come from the clinician directory.
 */
export const messagesLiveExtension: LiveExtension = {
  events: {
    'message:send': async (payload, { ctx }) => messagePayload(await ThreadService.of(ctx).send(await parsePayload(SendMessageInput, payload))),
    'message:read': async (payload, { ctx }) => {
      const input = await parsePayload(MarkThreadReadInput, payload);
      return readReceiptPayload(input.threadId.toLowerCase(), await ThreadService.of(ctx).markRead(input));
    },
  },
  displayName: async (em, userId) => (await em.findOne(DirectoryAccount, { userId }, { fields: ['displayName'] }))?.displayName ?? null,
};
