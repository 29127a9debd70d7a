import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, Info, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ChartComment } from '../comment/comment.entity';
import type { MessagingContext } from '../context';
import { PatientRef } from '../stubs';
import {
  Notification, NotificationCareGap, NotificationKind, NotificationMention, NotificationMonitoringAlert,
  type CareGapRefs, type MentionRefs, type MonitoringAlertRefs,
} from './notification.entity';
import { MarkNotificationsReadInput, MyNotificationsArgs } from './notification.inputs';
import { NotificationService } from './notification.service';

@ObjectType()
export class NotificationConnection extends ConnectionType(Notification) {}

@ObjectType({ description: 'What markNotificationsRead changed' })
export class NotificationsRead {
  @Field(() => Int, { description: 'How many were unread and are read now' }) marked!: number;
  @Field(() => Int, { description: 'Your unread notifications left' }) unreadCount!: number;
}

@Resolver(() => NotificationConnection)
export class NotificationConnectionResolver {
  @FieldResolver(() => Int, { description: 'Your unread notifications (all of them, not only this page)' })
  unreadCount(@Ctx() ctx: MessagingContext): Promise<number> {
    return NotificationService.of(ctx).unreadCount();
  }
}

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => NotificationConnection, { description: 'Your notifications, newest first (live: notification:new)' })
  myNotifications(@Args() args: MyNotificationsArgs, @Ctx() ctx: MessagingContext, @Info() info: GraphQLResolveInfo) {
    return NotificationService.of(ctx).list(args, selectsTotalCount(info));
  }

  @Mutation(() => NotificationsRead, { description: 'Marks some or all of your notifications read' })
  markNotificationsRead(@Arg('input', () => MarkNotificationsReadInput) input: MarkNotificationsReadInput, @Ctx() ctx: MessagingContext): Promise<NotificationsRead> {
    return NotificationService.of(ctx).markRead(input);
  }

  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() notification: Notification): PatientRef | null {
    return notification.patientId ? { id: notification.patientId } : null;
  }

  @FieldResolver(() => NotificationMention, { nullable: true, description: 'MENTION: the comment' })
  mention(@Root() notification: Notification): MentionRefs | null {
    return notification.kind === NotificationKind.MENTION ? (notification.refs as MentionRefs) : null;
  }

  @FieldResolver(() => NotificationMonitoringAlert, { nullable: true, description: 'MONITORING_ALERT: the alert' })
  monitoringAlert(@Root() notification: Notification): MonitoringAlertRefs | null {
    return notification.kind === NotificationKind.MONITORING_ALERT ? (notification.refs as MonitoringAlertRefs) : null;
  }

  @FieldResolver(() => NotificationCareGap, { nullable: true, description: 'CARE_GAP: the gap' })
  careGap(@Root() notification: Notification): CareGapRefs | null {
    return notification.kind === NotificationKind.CARE_GAP ? (notification.refs as CareGapRefs) : null;
  }
}

@Resolver(() => NotificationMention)
export class NotificationMentionResolver {
  @FieldResolver(() => ChartComment, {
    nullable: true,
    description: 'The comment itself, with its author and text (null once deleted, or when you may no longer see the chart)',
  })
  comment(@Root() mention: MentionRefs, @Ctx() ctx: MessagingContext): Promise<ChartComment | null> {
    return ctx.loaders.chartComment.load(mention.commentId);
  }
}
