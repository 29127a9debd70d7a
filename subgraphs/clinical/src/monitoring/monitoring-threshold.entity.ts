import { randomUUID } from 'node:crypto';
import { DecimalType, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, Float, ID, ObjectType } from 'type-graphql';

/**
 * Limits an organization sets for one patient's readings of one code (LOINC; blood pressure by its
 * components, 8480-6 systolic and 8462-4 diastolic), in the code's UCUM unit. A reading above
 * `high` or below `low` raises an alert for that organization. One per (patient, code, organization):
 * setting it again replaces the limits.
 */
@ObjectType({ description: "An organization's limits for one patient's readings of one code; a reading beyond them raises a monitoring alert" })
@Entity({ tableName: 'monitoring_threshold' })
export class MonitoringThreshold {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  @Field(() => String, { description: 'The LOINC code it watches (blood pressure: 8480-6 systolic, 8462-4 diastolic)' })
  @Property({ type: 'text' })
  code!: string;

  @Field(() => Float, { nullable: true, description: 'A reading below this raises a LOW alert' })
  @Property({ type: new DecimalType('number'), nullable: true })
  low?: number | null;

  @Field(() => Float, { nullable: true, description: 'A reading above this raises a HIGH alert' })
  @Property({ type: new DecimalType('number'), nullable: true })
  high?: number | null;

  @Field(() => String, { description: "The UCUM unit of low and high: the code's unit, the one its readings come in" })
  @Property({ type: 'text' })
  unit!: string;

  /** The organization that set it: its clinicians get the alerts. */
  @Property({ type: 'uuid' })
  organizationId!: string;

  @Field(() => ID, { description: 'The user account that set it last' })
  @Property({ type: 'uuid' })
  setBy!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  setAt!: Date;
}
