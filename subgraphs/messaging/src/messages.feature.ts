import { ColleagueResolver } from './directory/colleagues';
import { DirectoryAccount } from './directory/directory-account.entity';
import { ChartCommentAuthorResolver, MentionCandidateResolver } from './directory/mention-candidates';
import { Notification } from './notifications/notification.entity';
import { NotificationConnectionResolver, NotificationMentionResolver, NotificationResolver } from './notifications/notification.resolver';
import { MessageThread, ProviderMessage, ThreadParticipant } from './threads/thread.entity';
import { MessageThreadConnectionResolver, MessageThreadResolver, ProviderMessageResolver, ThreadParticipantResolver } from './threads/thread.resolver';
import { messagesLiveExtension } from './threads/thread.socket';
import { startMessagingWorkers } from './workers';

/**
 * Provider messages and notifications (issue 6 parts 4 and 5), and the directory's lookups (who
 * may be @mentioned on a chart, colleagues to message, comment authors' names), as subgraph.ts
 * composes them: entities, resolvers, the socket server extension (message:send, message:read,
 * presence names) and the workers (given the live hub).
 */
export const messagesFeature = {
  entities: [DirectoryAccount, MessageThread, ThreadParticipant, ProviderMessage, Notification],
  resolvers: [
    MessageThreadResolver, MessageThreadConnectionResolver, ThreadParticipantResolver, ProviderMessageResolver,
    NotificationResolver, NotificationConnectionResolver, NotificationMentionResolver, MentionCandidateResolver, ChartCommentAuthorResolver,
    ColleagueResolver,
  ],
  liveExtension: messagesLiveExtension,
  workers: startMessagingWorkers,
};
