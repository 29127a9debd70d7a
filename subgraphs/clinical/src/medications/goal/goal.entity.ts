import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import type { GoalTarget as FhirGoalTarget } from '@medplum/fhirtypes';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR goal-status (Goal.lifecycleStatus, R4). Values are the FHIR codes. */
export enum GoalLifecycleStatus {
  PROPOSED = 'proposed',
  PLANNED = 'planned',
  ACCEPTED = 'accepted',
  ACTIVE = 'active',
  ON_HOLD = 'on-hold',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
  REJECTED = 'rejected',
}
registerEnumType(GoalLifecycleStatus, { name: 'GoalLifecycleStatus', description: 'FHIR goal lifecycle status' });
export const GOAL_LIFECYCLE_CODES: readonly string[] = Object.values(GoalLifecycleStatus);

/** Where a goal's startAt came from (FHIR Goal.start is optional, lists need a date). */
export enum GoalStartSource {
  START_DATE = 'start-date',
  CARE_PLAN = 'care-plan',
  IMPORT = 'import',
}
registerEnumType(GoalStartSource, {
  name: 'GoalStartSource',
  description: 'Where startAt comes from',
  valuesConfig: {
    START_DATE: { description: "The goal's own start date (FHIR Goal.startDate)" },
    CARE_PLAN: { description: 'The start of the (earliest) care plan of the same bundle that names the goal' },
    IMPORT: { description: 'Neither was given: when the goal was first imported' },
  },
});

@ObjectType({ description: 'A target a goal aims at (FHIR Goal.target), in words' })
export class GoalTarget {
  @Field(() => Coding, { nullable: true, description: 'What is measured, e.g. a LOINC code' })
  measure?: Coding | null;

  @Field(() => String, { nullable: true, description: 'The target value in words: "< 7.0 %", "18.5-25 kg/m2", "Normal", ...' })
  detail?: string | null;

  @Field(() => String, { nullable: true, description: 'When it should be reached: the due date as given (FHIR date), or a duration ("12 wk")' })
  due?: string | null;
}

/**
 * A goal of the patient's care (FHIR Goal). Imported only. Synthea goals carry no encounter and
 * no date: the organization is that of the bundle's latest encounter (see provenanceOf) and
 * startAt comes from the care plan that names the goal (see startSource).
 */
@ObjectType({ implements: ClinicalRecord, description: "A goal of the patient's care, e.g. a target HbA1c (FHIR Goal)" })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'goal' })
export class Goal extends ClinicalRecord {
  @Field(() => GoalLifecycleStatus)
  @Enum({ items: () => GoalLifecycleStatus, type: 'text' })
  lifecycleStatus!: GoalLifecycleStatus;

  @Field(() => Coding, { nullable: true, description: 'Progress towards the goal (FHIR achievementStatus: in-progress, achieved, ...)' })
  @Property({ type: 'jsonb', nullable: true })
  achievementStatus?: Coding | null;

  @Field(() => String, { description: 'What the goal is, in words (FHIR description.text, or its coding\'s display)' })
  @Property({ type: 'text' })
  description!: string;

  @Field(() => Coding, { nullable: true, description: 'What the goal is, as a code, when coded' })
  @Property({ type: 'jsonb', nullable: true })
  descriptionCode?: Coding | null;

  /** descriptionCode.code, for the `code` filter (indexed). */
  @Property({ type: 'text', nullable: true })
  codeValue?: string | null;

  /** FHIR Goal.target exactly as received; null when the goal has none. */
  @Property({ type: 'jsonb', nullable: true })
  target?: FhirGoalTarget[] | null;

  @Field(() => Date, { description: 'When the goal starts; lists sort on it. See startSource for where it comes from' })
  @Property({ type: 'timestamptz' })
  startAt!: Date;

  @Field(() => GoalStartSource)
  @Enum({ items: () => GoalStartSource, type: 'text' })
  startSource!: GoalStartSource;

  @Field(() => [ID], { description: 'What the goal addresses (FHIR addresses: conditions, observations, ... of this chart)' })
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  addressedRecordIds: string[] & Opt = [];
}
