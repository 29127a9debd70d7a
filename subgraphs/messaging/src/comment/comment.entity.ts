import { randomUUID } from 'node:crypto';
import type { Role } from '@caregraph/platform';
import { ArrayType, BigIntType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

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
 * claim, ...) and optionally replying to another comment on the same chart. Edits keep every
 * version (ChartCommentVersion); deletion is soft: `deletedAt` hides the comment but keeps the row
 * (threads and audit stay intact). Every change is also a ChartCommentEvent, in `seq` order.
 */
@ObjectType({ description: "A clinician's note on a patient's chart" })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'chart_comment' })
export class ChartComment {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** The seq of its "created" event: the chart's order of comments. */
  @Property({ type: new BigIntType('number') })
  seq!: number;

  @Property({ type: 'uuid' })
  patientId!: string;

  /** The organization the author wrote from (null for comments written before sign-in existed). */
  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null;

  @Field(() => String, { description: 'The current version\'s text' })
  @Property({ type: 'text' })
  body!: string;

  @Field(() => Int, { description: 'Starts at 1; each edit adds one (pass it as expectedVersion to edit or delete)' })
  @Property({ type: 'int' })
  version: number & Opt = 1;

  /** The comment this one replies to (same patient). */
  @Property({ type: 'uuid', nullable: true })
  parentId?: string | null;

  @Enum({ items: () => ChartAnchorType, type: 'text', nullable: true })
  anchorType?: ChartAnchorType | null;

  @Property({ type: 'uuid', nullable: true })
  anchorId?: string | null;

  /** Accounts do not carry a practitioner id yet: kept for comments that name one. */
  @Property({ type: 'uuid', nullable: true })
  authorPractitionerId?: string | null;

  /** The signed-in author (null for comments written before sign-in existed). */
  @Property({ type: 'uuid', nullable: true })
  authorUserId?: string | null;

  @Property({ type: 'text', nullable: true })
  authorRole?: Role | null;

  /** Practitioners @mentioned in the current version. */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  mentionedPractitionerIds: string[] & Opt = [];

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date, { nullable: true, description: 'When the current version was written (null if never edited)' })
  @Property({ type: 'timestamptz', nullable: true })
  editedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  deletedByUserId?: string | null;
}

/** One version of a comment's text (version 1 is the original). */
@ObjectType({ description: 'One version of a chart comment (1 is the original)' })
@Entity({ tableName: 'chart_comment_version' })
export class ChartCommentVersion {
  @PrimaryKey({ type: 'uuid' })
  commentId!: string;

  @Field(() => Int)
  @PrimaryKey({ type: 'int' })
  version!: number;

  @Field(() => String)
  @Property({ type: 'text' })
  body!: string;

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  mentionedPractitionerIds: string[] & Opt = [];

  @Field(() => Date, { description: 'When this version was written' })
  @Property({ type: 'timestamptz' })
  writtenAt: Date & Opt = new Date();

  @Property({ type: 'uuid', nullable: true })
  writtenByUserId?: string | null;
}
