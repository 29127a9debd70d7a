import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/postgresql';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** Whether a note stands (FHIR composition-status subset). Values as stored. */
export enum ClinicalNoteStatus {
  CURRENT = 'current',
  ENTERED_IN_ERROR = 'entered-in-error',
}
registerEnumType(ClinicalNoteStatus, { name: 'ClinicalNoteStatus', description: 'Whether a clinical note stands or was entered in error' });

/**
 * A note a clinician writes in caregraph (or one imported as a FHIR DocumentReference). The row holds the
 * current title and text and its version; every version, the first included, is kept in
 * clinical_note_version. Only the author edits a note, each edit naming the version it replaces
 * (optimistic concurrency: a stale version is a CONFLICT).
 */
@ObjectType({
  implements: ClinicalRecord,
  description: "A clinician's note on a patient's chart, written in caregraph. Versioned: every edit keeps the previous text; only the author may edit it.",
})
@Directive('@key(fields: "id")')
@Entity({ tableName: 'clinical_note' })
export class ClinicalNote extends ClinicalRecord {
  /** The signed-in user who wrote it (identity subgraph). */
  @Field(() => ID, { description: 'The user account that wrote the note (the only one who may edit it)' })
  @Property({ type: 'uuid' })
  authorUserId!: string;

  /** The author's practitioner record: unknown until accounts link to practitioners. */
  @Property({ type: 'uuid', nullable: true })
  authorPractitionerId?: string | null;

  @Field(() => String, { description: '1-200 characters' })
  @Property({ type: 'text' })
  title!: string;

  @Field(() => String, { description: '1-20,000 characters, as written' })
  @Property({ type: 'text' })
  text!: string;

  @Field(() => ClinicalNoteStatus)
  @Enum({ items: () => ClinicalNoteStatus, type: 'text' })
  status: ClinicalNoteStatus & Opt = ClinicalNoteStatus.CURRENT;

  @Field(() => Int, { description: 'Starts at 1; each edit adds one. updateClinicalNote takes the version the edit replaces' })
  @Property({ type: 'integer' })
  version: number & Opt = 1;
}

/** One version of a clinical note as it was saved (the first is the note as written). */
@ObjectType({ description: 'One saved version of a clinical note' })
@Entity({ tableName: 'clinical_note_version' })
export class ClinicalNoteVersion {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** A relation (not a plain id) so the unit of work inserts the note before its first version (foreign key). */
  @ManyToOne(() => ClinicalNote, { fieldName: 'note_id', ref: true })
  note!: Ref<ClinicalNote>;

  @Field(() => Int)
  @Property({ type: 'integer' })
  version!: number;

  @Field(() => String)
  @Property({ type: 'text' })
  title!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  text!: string;

  @Field(() => ID, { description: 'The user account that saved this version' })
  @Property({ type: 'uuid' })
  authorUserId!: string;

  @Field(() => Date, { description: 'When this version was saved' })
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();
}
