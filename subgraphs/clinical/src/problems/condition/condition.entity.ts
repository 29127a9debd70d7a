import { Coding } from '@caregraph/platform';
import { Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR condition clinical status (http://terminology.hl7.org/CodeSystem/condition-clinical). Values are the FHIR codes. */
export enum ConditionClinicalStatus {
  ACTIVE = 'active',
  RECURRENCE = 'recurrence',
  RELAPSE = 'relapse',
  INACTIVE = 'inactive',
  REMISSION = 'remission',
  RESOLVED = 'resolved',
}
registerEnumType(ConditionClinicalStatus, { name: 'ConditionClinicalStatus', description: 'FHIR condition clinical status' });

/** The clinical statuses of a problem the patient has now (Patient.activeProblems). */
export const ACTIVE_CONDITION_STATUSES: readonly ConditionClinicalStatus[] = [
  ConditionClinicalStatus.ACTIVE, ConditionClinicalStatus.RECURRENCE, ConditionClinicalStatus.RELAPSE,
];

/** FHIR condition verification status (http://terminology.hl7.org/CodeSystem/condition-ver-status). */
export enum ConditionVerificationStatus {
  UNCONFIRMED = 'unconfirmed',
  PROVISIONAL = 'provisional',
  DIFFERENTIAL = 'differential',
  CONFIRMED = 'confirmed',
  REFUTED = 'refuted',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(ConditionVerificationStatus, { name: 'ConditionVerificationStatus', description: 'FHIR condition verification status' });

/** FHIR condition category (http://terminology.hl7.org/CodeSystem/condition-category). */
export enum ConditionCategory {
  PROBLEM_LIST_ITEM = 'problem-list-item',
  ENCOUNTER_DIAGNOSIS = 'encounter-diagnosis',
}
registerEnumType(ConditionCategory, { name: 'ConditionCategory', description: 'FHIR condition category: a problem-list entry or a diagnosis of one encounter' });

/**
 * A problem, diagnosis or other clinical concern (FHIR Condition). Listed by `recordedAt`, which
 * is always set: the recorded date, or the onset where the source has none.
 */
@ObjectType('Condition', { implements: ClinicalRecord, description: 'A problem, diagnosis or other clinical concern (FHIR Condition)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'condition' })
export class Condition extends ClinicalRecord {
  @Field(() => Coding, { description: 'What the condition is (SNOMED CT or ICD-10-CM, as recorded)' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  /** code.code, for the `code` filter (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => ConditionClinicalStatus, { nullable: true, description: 'Absent when the condition was entered in error' })
  @Enum({ items: () => ConditionClinicalStatus, type: 'text', nullable: true })
  clinicalStatus?: ConditionClinicalStatus | null;

  @Field(() => ConditionVerificationStatus, { nullable: true })
  @Enum({ items: () => ConditionVerificationStatus, type: 'text', nullable: true })
  verificationStatus?: ConditionVerificationStatus | null;

  @Field(() => ConditionCategory, { description: 'problem-list-item unless the source says otherwise' })
  @Enum({ items: () => ConditionCategory, type: 'text' })
  category: ConditionCategory & Opt = ConditionCategory.PROBLEM_LIST_ITEM;

  @Field(() => Date, { nullable: true, description: 'When the condition began, when known' })
  @Property({ type: 'timestamptz', nullable: true })
  onsetAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it resolved or went into remission, when it did' })
  @Property({ type: 'timestamptz', nullable: true })
  abatementAt?: Date | null;

  @Field(() => Date, { description: 'When it was recorded (the onset where the source gives no recorded date); the list order' })
  @Property({ type: 'timestamptz' })
  recordedAt!: Date;

  /** FHIR asserter, when a practitioner (the patients subgraph owns practitioners). */
  @Property({ type: 'uuid', nullable: true })
  asserterPractitionerId?: string | null;
}
