import { Coding } from '@caregraph/platform';
import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR allergy clinical status (http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical). Values are the FHIR codes. */
export enum AllergyClinicalStatus {
  ACTIVE = 'active',
  INACTIVE = 'inactive',
  RESOLVED = 'resolved',
}
registerEnumType(AllergyClinicalStatus, { name: 'AllergyIntoleranceClinicalStatus', description: 'FHIR allergy/intolerance clinical status' });

/** FHIR allergy verification status (http://terminology.hl7.org/CodeSystem/allergyintolerance-verification). */
export enum AllergyVerificationStatus {
  UNCONFIRMED = 'unconfirmed',
  CONFIRMED = 'confirmed',
  REFUTED = 'refuted',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(AllergyVerificationStatus, { name: 'AllergyIntoleranceVerificationStatus', description: 'FHIR allergy/intolerance verification status' });

/** FHIR AllergyIntolerance.type. */
export enum AllergyType {
  ALLERGY = 'allergy',
  INTOLERANCE = 'intolerance',
}
registerEnumType(AllergyType, { name: 'AllergyIntoleranceType', description: 'An immune-mediated allergy, or a non-immune intolerance' });

/** FHIR AllergyIntolerance.category. */
export enum AllergyCategory {
  FOOD = 'food',
  MEDICATION = 'medication',
  ENVIRONMENT = 'environment',
  BIOLOGIC = 'biologic',
}
registerEnumType(AllergyCategory, { name: 'AllergyIntoleranceCategory', description: 'FHIR allergy/intolerance category' });

/** FHIR AllergyIntolerance.criticality. */
export enum AllergyCriticality {
  LOW = 'low',
  HIGH = 'high',
  UNABLE_TO_ASSESS = 'unable-to-assess',
}
registerEnumType(AllergyCriticality, { name: 'AllergyIntoleranceCriticality', description: 'How harmful a future reaction could be' });

/** FHIR AllergyIntolerance.reaction.severity. */
export enum AllergyReactionSeverity {
  MILD = 'mild',
  MODERATE = 'moderate',
  SEVERE = 'severe',
}
registerEnumType(AllergyReactionSeverity, { name: 'AllergyIntoleranceReactionSeverity', description: 'How severe a reaction was' });

@ObjectType('AllergyIntoleranceReaction', { description: 'One reaction the patient had to the substance' })
export class AllergyReaction {
  @Field(() => [Coding], { description: 'Its clinical signs, e.g. SNOMED CT Hives' })
  manifestations!: Coding[];

  @Field(() => AllergyReactionSeverity, { nullable: true })
  severity?: AllergyReactionSeverity | null;
}

/**
 * An allergy or intolerance to a substance (FHIR AllergyIntolerance). Listed by `recordedAt`,
 * always set: the recorded date, or the onset where the source has none.
 */
@ObjectType('AllergyIntolerance', { implements: ClinicalRecord, description: 'An allergy or intolerance to a substance (FHIR AllergyIntolerance)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'allergy_intolerance' })
export class AllergyIntolerance extends ClinicalRecord {
  @Field(() => Coding, { description: 'The substance (SNOMED CT or RxNorm, as recorded)' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  /** code.code, for the `code` filter (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => AllergyClinicalStatus, { nullable: true, description: 'Absent when the entry was made in error' })
  @Enum({ items: () => AllergyClinicalStatus, type: 'text', nullable: true })
  clinicalStatus?: AllergyClinicalStatus | null;

  @Field(() => AllergyVerificationStatus, { nullable: true })
  @Enum({ items: () => AllergyVerificationStatus, type: 'text', nullable: true })
  verificationStatus?: AllergyVerificationStatus | null;

  @Field(() => AllergyType, { nullable: true })
  @Enum({ items: () => AllergyType, type: 'text', nullable: true })
  type?: AllergyType | null;

  @Field(() => [AllergyCategory], { description: 'Food, medication, environment, biologic (any number of them)' })
  @Property({ type: ArrayType, columnType: 'text[]' })
  categories: AllergyCategory[] & Opt = [];

  @Field(() => AllergyCriticality, { nullable: true })
  @Enum({ items: () => AllergyCriticality, type: 'text', nullable: true })
  criticality?: AllergyCriticality | null;

  @Field(() => [AllergyReaction])
  @Property({ type: 'jsonb' })
  reactions: AllergyReaction[] & Opt = [];

  @Field(() => Date, { nullable: true, description: 'When it was first identified, when known' })
  @Property({ type: 'timestamptz', nullable: true })
  onsetAt?: Date | null;

  @Field(() => Date, { description: 'When it was recorded (the onset where the source gives no recorded date); the list order' })
  @Property({ type: 'timestamptz' })
  recordedAt!: Date;
}
