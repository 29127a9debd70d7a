import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, Int, ObjectType } from 'type-graphql';

/**
 * A preventive-care rule, kept as data (clinical.care_gap_rule, seeded by the care-gaps
 * migration): who it applies to and which records meet it for how long live in columns and in
 * clinical.care_gap_satisfier, read by the evaluator in SQL (care-gap.recompute.ts). Only what
 * the API shows is mapped here.
 */
@ObjectType({ description: 'A preventive-care rule: what is due, for whom, and on whose recommendation' })
@Entity({ tableName: 'care_gap_rule' })
export class CareGapRule {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => String, { description: 'Stable code, e.g. influenza-vaccine (what careGapPatients(ruleCode) takes)' })
  @Property({ type: 'text', unique: true })
  code!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  title!: string;

  @Field(() => String, { description: 'What is recommended, how often' })
  @Property({ type: 'text' })
  description!: string;

  @Field(() => String, { description: 'The guideline it follows (USPSTF, CDC ACIP, ADA, ...)' })
  @Property({ type: 'text' })
  source!: string;

  @Field(() => String, { description: 'Who it applies to, in words (e.g. "Adults 45 to 75")' })
  @Property({ type: 'text' })
  eligibility!: string;

  @Field(() => Int, { description: 'A gap is DUE this many days before its due date (OVERDUE after it)' })
  @Property({ type: 'integer' })
  dueSoonDays: number & Opt = 30;

  /** Inactive rules are neither evaluated nor listed. */
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;
}
