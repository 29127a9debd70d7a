import { randomUUID } from 'node:crypto';
import { DecimalType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';

/** Which limit a reading crossed. Values as stored. */
export enum MonitoringAlertKind {
  HIGH = 'high',
  LOW = 'low',
}
registerEnumType(MonitoringAlertKind, { name: 'MonitoringAlertKind', description: "Above the threshold's high, or below its low" });

/** Values as stored. */
export enum MonitoringAlertStatus {
  OPEN = 'open',
  ACKNOWLEDGED = 'acknowledged',
}
registerEnumType(MonitoringAlertStatus, { name: 'MonitoringAlertStatus', description: 'OPEN until a clinician of the organization acknowledges it' });

/**
 * A device reading that crossed a threshold: raised in the transaction that stored the reading,
 * for the organization that set the threshold. It copies what was crossed (code, value, unit and
 * the limit as set then), so it stays readable when the threshold changes or is removed.
 */
@ObjectType({ description: 'A remote-monitoring reading beyond a threshold, for the organization that set it' })
@Entity({ tableName: 'monitoring_alert' })
export class MonitoringAlert {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  /** The reading (an Observation; for blood pressure the panel whose component crossed). */
  @Property({ type: 'uuid' })
  observationId!: string;

  /** Null once the threshold was removed. */
  @Property({ type: 'uuid', nullable: true })
  thresholdId?: string | null;

  /** The threshold's organization. */
  @Property({ type: 'uuid' })
  organizationId!: string;

  @Field(() => String, { description: 'The LOINC code of the value that crossed (a component code for blood pressure)' })
  @Property({ type: 'text' })
  code!: string;

  @Field(() => Float)
  @Property({ type: new DecimalType('number') })
  value!: number;

  @Field(() => String, { description: 'UCUM unit of value and limit' })
  @Property({ type: 'text' })
  unit!: string;

  @Field(() => MonitoringAlertKind)
  @Enum({ items: () => MonitoringAlertKind, type: 'text' })
  kind!: MonitoringAlertKind;

  @Field(() => Float, { name: 'limit', description: "The threshold's high (HIGH) or low (LOW) when the reading came in" })
  @Property({ type: new DecimalType('number'), fieldName: 'limit_value' })
  limitValue!: number;

  @Field(() => MonitoringAlertStatus)
  @Enum({ items: () => MonitoringAlertStatus, type: 'text' })
  status: MonitoringAlertStatus & Opt = MonitoringAlertStatus.OPEN;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => ID, { nullable: true, description: 'The user account that acknowledged it' })
  @Property({ type: 'uuid', nullable: true })
  acknowledgedBy?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  acknowledgedAt?: Date | null;
}
