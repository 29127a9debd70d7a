import { Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';
import type { StoredQuantity } from '../shared/quantity';

/** FHIR observation-status (R4). Values are the FHIR codes. */
export enum ObservationStatus {
  REGISTERED = 'registered',
  PRELIMINARY = 'preliminary',
  FINAL = 'final',
  AMENDED = 'amended',
  CORRECTED = 'corrected',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
  UNKNOWN = 'unknown',
}
registerEnumType(ObservationStatus, { name: 'ObservationStatus', description: 'FHIR observation status' });
export const OBSERVATION_STATUS_CODES: readonly string[] = Object.values(ObservationStatus);

/** Statuses whose value stands (what latest vitals and trends show): not cancelled, not in error, not merely registered. */
export const RESULTED_OBSERVATION_STATUSES: readonly ObservationStatus[] = [
  ObservationStatus.PRELIMINARY, ObservationStatus.FINAL, ObservationStatus.AMENDED, ObservationStatus.CORRECTED,
];

/** FHIR observation-category (http://terminology.hl7.org/CodeSystem/observation-category). Values are the FHIR codes. */
export enum ObservationCategory {
  VITAL_SIGNS = 'vital-signs',
  LABORATORY = 'laboratory',
  SURVEY = 'survey',
  SOCIAL_HISTORY = 'social-history',
  EXAM = 'exam',
  IMAGING = 'imaging',
  PROCEDURE = 'procedure',
  THERAPY = 'therapy',
  ACTIVITY = 'activity',
}
registerEnumType(ObservationCategory, { name: 'ObservationCategory', description: 'FHIR observation category' });
export const OBSERVATION_CATEGORY_CODES: readonly string[] = Object.values(ObservationCategory);
export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** One part of a multi-part observation (e.g. systolic and diastolic of a blood pressure), as stored in jsonb. */
export interface StoredComponent {
  code: Coding;
  quantity: StoredQuantity | null;
  coding: Coding | null;
}

/** One FHIR referenceRange entry, as stored in jsonb. */
export interface StoredReferenceRange {
  low: StoredQuantity | null;
  high: StoredQuantity | null;
  text: string | null;
}

/**
 * A measurement or finding about a patient (FHIR Observation): vital signs, lab results, survey
 * scores, device readings. The value is one of value[x]; measurements keep their exact decimal and
 * units as recorded. The GraphQL value fields are resolved in observation.resolver.ts.
 */
@ObjectType({ implements: ClinicalRecord, description: 'A measurement or finding: vital sign, lab result, survey score, device reading (FHIR Observation)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'observation' })
export class Observation extends ClinicalRecord {
  @Field(() => ObservationStatus)
  @Enum({ items: () => ObservationStatus, type: 'text' })
  status!: ObservationStatus;

  @Field(() => [Coding], { description: 'Every category coding as recorded (FHIR Observation.category)' })
  @Property({ type: 'jsonb' })
  categories: Coding[] & Opt = [];

  @Field(() => ObservationCategory, { nullable: true, description: 'The primary FHIR observation category (what the `category` filter matches); null when none is recorded' })
  @Enum({ items: () => ObservationCategory, type: 'text', nullable: true })
  category?: ObservationCategory | null;

  @Field(() => Coding, { description: 'What was observed, usually a LOINC coding' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  /** code.code, for the `code` filter and trends (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => Date, { description: 'When it was observed (FHIR effectiveDateTime, else effectivePeriod.start, else issued); lists sort on it' })
  @Property({ type: 'timestamptz' })
  effectiveAt!: Date;

  @Field(() => Date, { nullable: true, description: 'The end of an observation over a period (FHIR effectivePeriod.end)' })
  @Property({ type: 'timestamptz', nullable: true })
  effectiveEnd?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the result was made available (FHIR issued)' })
  @Property({ type: 'timestamptz', nullable: true })
  issuedAt?: Date | null;

  /** FHIR valueQuantity.value, exactly (numeric; a string in JS). */
  @Property({ type: 'decimal', nullable: true })
  valueQuantity?: string | null;

  @Property({ type: 'text', nullable: true })
  valueUnit?: string | null;

  @Property({ type: 'text', nullable: true })
  valueUnitCode?: string | null;

  @Property({ type: 'text', nullable: true })
  valueSystem?: string | null;

  @Property({ type: 'text', nullable: true })
  valueComparator?: string | null;

  @Field(() => Coding, { nullable: true, description: 'A coded value (FHIR valueCodeableConcept: its first coding)' })
  @Property({ type: 'jsonb', nullable: true })
  valueCodeableConcept?: Coding | null;

  @Field(() => String, { nullable: true, description: 'A value in words (FHIR valueString; also valueDateTime/valueTime as written, and the text of a coded value without codings)' })
  @Property({ type: 'text', nullable: true })
  valueString?: string | null;

  @Field(() => Boolean, { nullable: true })
  @Property({ type: 'boolean', nullable: true })
  valueBoolean?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'FHIR valueInteger' })
  @Property({ type: 'integer', nullable: true })
  valueInteger?: number | null;

  /** FHIR component, normalized (see StoredComponent); resolved as `components`. */
  @Property({ type: 'jsonb' })
  components: StoredComponent[] & Opt = [];

  @Field(() => [Coding], { description: 'High, low, normal, ... (FHIR interpretation)' })
  @Property({ type: 'jsonb' })
  interpretation: Coding[] & Opt = [];

  /** FHIR referenceRange; resolved as `referenceRange`. */
  @Property({ type: 'jsonb' })
  referenceRange: StoredReferenceRange[] & Opt = [];

  /*
   * The device that took a remote-monitoring reading (all null for imported and clinician-entered
   * observations); resolved as `device` (monitoring/). (patient, identifier, reading id) is unique:
   * a device's resent reading is recognised, not stored twice.
   */
  @Field(() => ID, { nullable: true, deprecationReason: 'Use device { id }', description: "caregraph's id of the device that took the reading" })
  @Property({ type: 'uuid', nullable: true })
  deviceId?: string | null;

  @Field(() => String, { nullable: true, deprecationReason: 'Use device { name }', description: 'The name of that device' })
  @Property({ type: 'text', nullable: true })
  deviceName?: string | null;

  /** The device's own identifier (serial number, ...), as it sent it. */
  @Property({ type: 'text', nullable: true })
  deviceIdentifier?: string | null;

  /** What kind of device (a SNOMED CT or other coding), when it said. */
  @Property({ type: 'jsonb', nullable: true })
  deviceType?: Coding | null;

  /** The device's own id of this reading. */
  @Property({ type: 'text', nullable: true })
  deviceReadingId?: string | null;
}
