import {
  AuditActionEnum,
  AuditActorTypeEnum,
  AuditOutcomeEnum,
  type AuditAction,
  type AuditActorType,
  type AuditOutcome,
  type AuditRecord,
} from '@caregraph/platform';
import { Field, ID, ObjectType } from 'type-graphql';

/**
 * One row of the shared audit log as compliance officers see it. Not a MikroORM entity: the log
 * lives in the platform-owned `audit` schema and is read with platform's `queryAudit`. The row's
 * free-form `detail` is left out (it is for verification and debugging, not for browsing).
 */
@ObjectType({ description: 'One entry of the append-only audit log: who did what to which patient\'s record, when, and how it ended' })
export class AuditEvent implements Omit<AuditRecord, 'detail'> {
  @Field(() => ID, { description: 'Position in the log (ids are gapless and increase in commit order)' })
  id!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => String, { description: 'The service that wrote the entry, e.g. gateway, identity, clinical' })
  service!: string;

  @Field(() => String, { nullable: true, description: 'The x-request-id of the request, to follow one user action across services' })
  requestId!: string | null;

  @Field(() => AuditActorTypeEnum)
  actorType!: AuditActorType;

  @Field(() => String, { nullable: true, description: 'User id, partner-app client id, or the internal job\'s purpose; null when anonymous' })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: 'The user\'s role when they acted' })
  actorRole!: string | null;

  @Field(() => ID, { nullable: true, description: 'The organization the actor acted for' })
  actorOrganizationId!: string | null;

  @Field(() => AuditActionEnum)
  action!: AuditAction;

  @Field(() => AuditOutcomeEnum)
  outcome!: AuditOutcome;

  @Field(() => ID, { nullable: true, description: 'The patient whose record was touched, if any' })
  patientId!: string | null;

  @Field(() => [String], { description: 'FHIR resource types touched, e.g. Observation, Claim' })
  recordTypes!: string[];

  @Field(() => String, { nullable: true, description: 'Why (treatment, payment, operations, break-glass justification, ...)' })
  purpose!: string | null;

  @Field(() => Boolean, { description: 'Access under break-glass (emergency override)' })
  breakGlass!: boolean;
}
