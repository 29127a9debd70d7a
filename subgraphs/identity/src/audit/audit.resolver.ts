import { ConnectionType } from '@caregraph/platform';
import { Args, Ctx, ObjectType, Query, Resolver } from 'type-graphql';
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
}
