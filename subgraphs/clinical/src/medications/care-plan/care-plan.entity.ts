import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR request-status as CarePlan.status uses it (R4). Values are the FHIR codes. */
export enum CarePlanStatus {
  DRAFT = 'draft',
  ACTIVE = 'active',
  ON_HOLD = 'on-hold',
  REVOKED = 'revoked',
  COMPLETED = 'completed',
  ENTERED_IN_ERROR = 'entered-in-error',
  UNKNOWN = 'unknown',
}
registerEnumType(CarePlanStatus, { name: 'CarePlanStatus', description: 'FHIR care plan status' });
export const CARE_PLAN_STATUS_CODES: readonly string[] = Object.values(CarePlanStatus);

/** FHIR care-plan-intent (R4). */
export enum CarePlanIntent {
  PROPOSAL = 'proposal',
  PLAN = 'plan',
  ORDER = 'order',
  OPTION = 'option',
}
registerEnumType(CarePlanIntent, { name: 'CarePlanIntent', description: 'FHIR care plan intent' });
export const CARE_PLAN_INTENT_CODES: readonly string[] = Object.values(CarePlanIntent);

/** FHIR care-plan-activity-status (R4). */
export enum CarePlanActivityStatus {
  NOT_STARTED = 'not-started',
  SCHEDULED = 'scheduled',
  IN_PROGRESS = 'in-progress',
  ON_HOLD = 'on-hold',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
  STOPPED = 'stopped',
  UNKNOWN = 'unknown',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(CarePlanActivityStatus, { name: 'CarePlanActivityStatus', description: 'FHIR care plan activity status' });
export const CARE_PLAN_ACTIVITY_STATUS_CODES: readonly string[] = Object.values(CarePlanActivityStatus);

@ObjectType({ description: 'One planned activity of a care plan (FHIR CarePlan.activity.detail)' })
export class CarePlanActivity {
  @Field(() => Coding, { description: 'What is to be done, e.g. a SNOMED CT procedure' })
  code!: Coding;

  @Field(() => CarePlanActivityStatus)
  status!: CarePlanActivityStatus;

  @Field(() => String, { nullable: true, description: 'Where it is to happen, as named in the plan' })
  location?: string | null;
}

/**
 * A plan of care for the patient (FHIR CarePlan), imported: its activities, the conditions it
 * addresses and the goals it pursues (CarePlan.goals resolves them, access-checked).
 */
@ObjectType({ implements: ClinicalRecord, description: 'A plan of care: activities, the conditions it addresses, its goals (FHIR CarePlan)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'care_plan' })
export class CarePlan extends ClinicalRecord {
  @Field(() => CarePlanStatus)
  @Enum({ items: () => CarePlanStatus, type: 'text' })
  status!: CarePlanStatus;

  @Field(() => CarePlanIntent)
  @Enum({ items: () => CarePlanIntent, type: 'text' })
  intent!: CarePlanIntent;

  @Field(() => [Coding], { description: 'What kind of plan, e.g. SNOMED CT "Diabetes self management plan"' })
  @Property({ type: 'jsonb' })
  categories: Coding[] & Opt = [];

  /** The first category's code, for the `code` filter (indexed). */
  @Property({ type: 'text', nullable: true })
  codeValue?: string | null;

  @Field(() => String, { nullable: true, description: "FHIR title, or else the first category's words" })
  @Property({ type: 'text', nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'FHIR description, or else the narrative (text.div) as plain text: tags removed, one line per block or list item' })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => Date, { description: 'When the plan starts (FHIR period.start, else created, else the start of its encounter); lists sort on it' })
  @Property({ type: 'timestamptz' })
  periodStart!: Date;

  @Field(() => Date, { nullable: true, description: 'Unset while the plan is open-ended' })
  @Property({ type: 'timestamptz', nullable: true })
  periodEnd?: Date | null;

  @Field(() => [CarePlanActivity], { description: 'The planned activities that have a coded detail, in plan order' })
  @Property({ type: 'jsonb' })
  activities: CarePlanActivity[] & Opt = [];

  @Field(() => [ID], { description: 'The conditions of this chart the plan addresses (FHIR addresses)' })
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  addressedConditionIds: string[] & Opt = [];

  /** FHIR CarePlan.goal, as our ids (CarePlan.goals resolves them). */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  goalIds: string[] & Opt = [];
}
