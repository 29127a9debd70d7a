import { ConnectionType } from '@caregraph/platform';
import { Args, Ctx, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { IdentityContext } from '../context';
import { AuditEvent } from './audit-event.type';
import { AuditEventsArgs } from './audit.inputs';
import { AuditService } from './audit.service';

@ObjectType()
export class AuditEventConnection extends ConnectionType(AuditEvent) {}

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, {
    description:
      'The audit log, newest first, for compliance officers only: restricted to events whose actor acted for the officer\'s own ' +
      'organization (actor organization). Filter by actor, patient, time (from inclusive, to exclusive), outcome and action. totalCount is not computed (null).',
  })
  auditEvents(@Args() args: AuditEventsArgs, @Ctx() ctx: IdentityContext): Promise<AuditEventConnection> {
    return new AuditService(ctx).search(args);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: "Who acted, by name: the user account's display name or the partner app's name; null for internal jobs, anonymous callers and accounts that no longer exist",
  })
  actorName(@Root() event: AuditEvent, @Ctx() ctx: IdentityContext): Promise<string | null> | null {
    if (!event.actorId || (event.actorType !== 'user' && event.actorType !== 'client')) return null;
    return ctx.loaders.actorName.load({ type: event.actorType, id: event.actorId });
  }
}
