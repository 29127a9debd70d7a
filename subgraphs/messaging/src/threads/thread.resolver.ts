import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { directoryAccounts } from '../directory/directory.loader';
import { OrganizationRef, PatientRef, PractitionerRef } from '../stubs';
import { MessageThread, ProviderMessage, ThreadParticipant } from './thread.entity';
import { MarkThreadReadInput, MessageThreadsArgs, SendMessageInput, StartThreadInput, ThreadMessagesArgs } from './thread.inputs';
import type { MessagingContext } from '../context';
import { ThreadService } from './thread.service';

@ObjectType()
export class MessageThreadConnection extends ConnectionType(MessageThread) {}

@ObjectType()
export class ProviderMessageConnection extends ConnectionType(ProviderMessage) {}

@Resolver(() => MessageThreadConnection)
export class MessageThreadConnectionResolver {
  @FieldResolver(() => Int, { description: 'Your unread messages over all your threads (not only this page)' })
  unreadCount(@Ctx() ctx: MessagingContext): Promise<number> {
    return ThreadService.of(ctx).totalUnread();
  }
}

@Resolver(() => MessageThread)
export class MessageThreadResolver {
  @Query(() => MessageThreadConnection, { description: 'Your message threads, most recent activity first, with unread counts' })
  messageThreads(@Args() args: MessageThreadsArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
    return ThreadService.of(ctx).list(args, selectsTotalCount(info));
  }

  @Query(() => MessageThread, { nullable: true, description: 'One of your threads (null if you are not in it, or may no longer see its patient)' })
  messageThread(@Arg('id', () => ID) id: string, @Ctx() ctx: MessagingContext): Promise<MessageThread | null> {
    return ThreadService.of(ctx).byId(id);
  }

  @Mutation(() => MessageThread, { description: 'Starts a thread with other clinicians (a DIRECT thread already there is returned)' })
  startThread(@Arg('input', () => StartThreadInput) input: StartThreadInput, @Ctx() ctx: MessagingContext): Promise<MessageThread> {
    return ThreadService.of(ctx).start(input);
  }

  @Mutation(() => ProviderMessage, { description: 'Sends a message to a thread (live: message:new to every participant)' })
  sendMessage(@Arg('input', () => SendMessageInput) input: SendMessageInput, @Ctx() ctx: MessagingContext): Promise<ProviderMessage> {
    return ThreadService.of(ctx).send(input);
  }

  @Mutation(() => ThreadParticipant, { description: 'Marks a thread read up to a message (live: thread:read); returns your read receipt' })
  markThreadRead(@Arg('input', () => MarkThreadReadInput) input: MarkThreadReadInput, @Ctx() ctx: MessagingContext): Promise<ThreadParticipant> {
    return ThreadService.of(ctx).markRead(input);
  }

  @FieldResolver(() => PatientRef, { nullable: true, description: 'The patient it is about' })
  patient(@Root() thread: MessageThread): PatientRef | null {
    return thread.patientId ? { id: thread.patientId } : null;
  }

  @FieldResolver(() => [ThreadParticipant], { description: 'Everyone in it, with their read receipts' })
  participants(@Root() thread: MessageThread, @Ctx() ctx: MessagingContext): Promise<ThreadParticipant[]> {
    return ThreadService.of(ctx).participants(thread.id);
  }

  @FieldResolver(() => Int, { description: "Messages of others you have not read" })
  unreadCount(@Root() thread: MessageThread, @Ctx() ctx: MessagingContext): Promise<number> {
    return ThreadService.of(ctx).unreadCount(thread.id);
  }

  @FieldResolver(() => ProviderMessage, { nullable: true })
  lastMessage(@Root() thread: MessageThread, @Ctx() ctx: MessagingContext): Promise<ProviderMessage | null> {
    return ThreadService.of(ctx).lastMessage(thread);
  }

  @FieldResolver(() => ProviderMessageConnection, { nullable: true, description: 'Its messages, newest first (null if you may no longer see its patient)' })
  messages(@Root() thread: MessageThread, @Args() args: ThreadMessagesArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
    return ThreadService.of(ctx).messages(thread, args, selectsTotalCount(info));
  }
}

/** Who someone is, from the directory this subgraph keeps (null while it has not heard of them). */
@Resolver(() => ThreadParticipant)
export class ThreadParticipantResolver {
  @FieldResolver(() => String, { nullable: true })
  async displayName(@Root() participant: ThreadParticipant, @Ctx() ctx: MessagingContext): Promise<string | null> {
    return (await directoryAccounts(ctx).load(participant.userId))?.displayName ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'PHYSICIAN or NURSE' })
  async role(@Root() participant: ThreadParticipant, @Ctx() ctx: MessagingContext): Promise<string | null> {
    return (await directoryAccounts(ctx).load(participant.userId))?.role.toUpperCase() ?? null;
  }

  @FieldResolver(() => PractitionerRef, { nullable: true, description: 'Their practitioner record, when their account is linked to one' })
  async practitioner(@Root() participant: ThreadParticipant, @Ctx() ctx: MessagingContext): Promise<PractitionerRef | null> {
    const practitionerId = (await directoryAccounts(ctx).load(participant.userId))?.practitionerId;
    return practitionerId ? { id: practitionerId } : null;
  }

  @FieldResolver(() => OrganizationRef, { description: 'Their organization when they joined' })
  organization(@Root() participant: ThreadParticipant): OrganizationRef {
    return { id: participant.organizationId };
  }
}

@Resolver(() => ProviderMessage)
export class ProviderMessageResolver {
  @FieldResolver(() => String, { nullable: true })
  async senderDisplayName(@Root() message: ProviderMessage, @Ctx() ctx: MessagingContext): Promise<string | null> {
    return (await directoryAccounts(ctx).load(message.senderUserId))?.displayName ?? null;
  }
}
