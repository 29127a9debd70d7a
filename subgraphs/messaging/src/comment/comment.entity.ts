import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/** What a comment can be pinned to. Values are the FHIR resource types, as stored. */
export enum ChartAnchorType {
  ENCOUNTER = 'Encounter',
  CONDITION = 'Condition',
  OBSERVATION = 'Observation',
  MEDICATION_REQUEST = 'MedicationRequest',
  PROCEDURE = 'Procedure',
  IMMUNIZATION = 'Immunization',
  ALLERGY_INTOLERANCE = 'AllergyIntolerance',
  DIAGNOSTIC_REPORT = 'DiagnosticReport',
  CARE_PLAN = 'CarePlan',
  CLAIM = 'Claim',
}
registerEnumType(ChartAnchorType, { name: 'ChartAnchorType', description: 'The kind of chart record a comment is pinned to' });

@ObjectType({ description: 'The chart record a comment is pinned to' })
export class ChartCommentAnchor {
  @Field(() => ChartAnchorType) type!: ChartAnchorType;
  @Field(() => ID) id!: string;
}

/**
 * A note clinicians leave on a patient's chart, optionally pinned to one record (an encounter, a
 * claim, ...) and optionally replying to another comment on the same chart. Deletion is soft:
 * `deletedAt` hides the comment but keeps the row (threads and audit stay intact).
 */
@ObjectType({ description: "A clinician's note on a patient's chart" })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'chart_comment' })
export class ChartComment {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  /** The organization the author wrote from: set from the signed-in principal once sign-in exists. */
  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null;

  @Field(() => String)
  @Property({ type: 'text' })
  body!: string;

  /** The comment this one replies to (same patient). */
  @Property({ type: 'uuid', nullable: true })
  parentId?: string | null;

  @Enum({ items: () => ChartAnchorType, type: 'text', nullable: true })
  anchorType?: ChartAnchorType | null;

  @Property({ type: 'uuid', nullable: true })
  anchorId?: string | null;

  /** Set from the signed-in principal once sign-in exists. */
  @Property({ type: 'uuid', nullable: true })
  authorPractitionerId?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  editedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt?: Date | null;
}
