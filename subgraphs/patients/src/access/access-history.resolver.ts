import {
  AuditActionEnum,
  AuditActorTypeEnum,
  AuditOutcomeEnum,
  ConnectionType,
  forbidden,
  PageArgs,
  patientAccessHistory,
  unauthenticated,
  type AuditAction,
  type AuditActorType,
  type AuditOutcome,
  type Connection,
  type PatientAccess as PatientAccessRecord,
} from '@caregraph/platform';
import { Args, ArgsType, Ctx, Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import { patientsManagedBy } from '../consent/consent.service';
import type { PatientsContext } from '../context';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';

/** One access to a patient's record, from the audit log (platform's `patientAccessHistory`). */
@ObjectType({ description: 'Someone read, changed or broke the glass on a patient\'s record' })
export class PatientAccess implements PatientAccessRecord {
  @Field(() => ID, { description: 'The audit log entry' })
  id!: string;

  @Field(() => Date, { description: 'When' })
  occurredAt!: Date;

  @Field(() => AuditActorTypeEnum)
  actorType!: AuditActorType;

  @Field(() => String, { nullable: true, description: 'The user id or partner-app client id' })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: 'The user\'s role when they accessed the record' })
  actorRole!: string | null;

  @Field(() => ID, { nullable: true, description: 'The organization they acted for' })
  actorOrganizationId!: string | null;

  @Field(() => AuditActionEnum, { description: 'READ, WRITE or BREAK_GLASS' })
  action!: AuditAction;

  @Field(() => AuditOutcomeEnum)
  outcome!: AuditOutcome;

  @Field(() => [String], { description: 'FHIR resource types touched, e.g. Observation, Claim' })
  recordTypes!: string[];

  @Field(() => String, { nullable: true, description: 'Why (treatment, payment, operations, ...)' })
  purpose!: string | null;

  @Field(() => Boolean, { description: 'Access under break-glass (emergency override)' })
  breakGlass!: boolean;
}

@ObjectType()
export class PatientAccessConnection extends ConnectionType(PatientAccess) {}

@ArgsType()
export class AccessHistoryArgs extends PageArgs {}

@Resolver(() => PatientAccess)
export class PatientAccessResolver {
  @FieldResolver(() => Organization, { nullable: true, description: 'The organization they acted for, when it is known here' })
  actorOrganization(@Root() access: PatientAccess, @Ctx() ctx: PatientsContext): Promise<Organization | null> | null {
    return access.actorOrganizationId ? ctx.loaders.organization.load(access.actorOrganizationId) : null;
  }
}

@Resolver(() => Patient)
export class PatientAccessHistoryResolver {
  @FieldResolver(() => PatientAccessConnection, {
    nullable: true,
    description:
      'Who accessed this record and when (reads, changes, break-glass), newest first, from the audit log. Only the patient themself ' +
      'and compliance officers of an organization where the patient has an active registration may see it. totalCount is not computed (null).',
  })
  async accessHistory(@Root() patient: Patient, @Args() args: AccessHistoryArgs, @Ctx() ctx: PatientsContext): Promise<Connection<PatientAccess>> {
    const { principal } = ctx;
    if (principal.kind === 'anonymous') throw unauthenticated();
    // the patient (own record) or a compliance officer of an organization with an active registration
    const allowed = await patientsManagedBy(ctx.em, principal, [patient.id], ['compliance']);
    if (!allowed.has(patient.id.toLowerCase())) {
      ctx.access.audit.noteDenied(patient.id.toLowerCase(), 'AuditEvent');
      throw forbidden('Not allowed to see who accessed this patient\'s record');
    }
    const history = await patientAccessHistory(ctx.em, patient.id.toLowerCase(), { first: args.first, after: args.after ?? null });
    // who looked at who looked: recorded like any other read
    ctx.access.audit.noteRead(patient.id.toLowerCase(), 'AuditEvent', history.edges.length);
    return history;
  }
}
