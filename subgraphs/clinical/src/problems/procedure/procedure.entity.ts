import { Coding } from '@caregraph/platform';
import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR procedure status (http://hl7.org/fhir/event-status). Values are the FHIR codes. */
export enum ProcedureStatus {
  PREPARATION = 'preparation',
  IN_PROGRESS = 'in-progress',
  NOT_DONE = 'not-done',
  ON_HOLD = 'on-hold',
  STOPPED = 'stopped',
  COMPLETED = 'completed',
  ENTERED_IN_ERROR = 'entered-in-error',
  UNKNOWN = 'unknown',
}
registerEnumType(ProcedureStatus, { name: 'ProcedureStatus', description: 'FHIR procedure status' });

/** Something done to or for the patient (FHIR Procedure). Listed by `performedStart`. */
@ObjectType('Procedure', { implements: ClinicalRecord, description: 'An action performed on or for the patient: surgery, counselling, a test (FHIR Procedure)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'procedure' })
export class Procedure extends ClinicalRecord {
  @Field(() => Coding, { description: 'What was done (SNOMED CT, as recorded)' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  /** code.code, for the `code` filter (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => ProcedureStatus)
  @Enum({ items: () => ProcedureStatus, type: 'text' })
  status!: ProcedureStatus;

  @Field(() => Date, { description: 'When it was performed (or began); the list order' })
  @Property({ type: 'timestamptz' })
  performedStart!: Date;

  @Field(() => Date, { nullable: true, description: 'When it ended, when the source gives a period' })
  @Property({ type: 'timestamptz', nullable: true })
  performedEnd?: Date | null;

  @Field(() => [Coding], { description: 'Why it was performed: the reason codes, and the code of each condition the source names as the reason' })
  @Property({ type: 'jsonb' })
  reasons: Coding[] & Opt = [];

  /** FHIR performer.actor, where a practitioner (the patients subgraph owns practitioners). */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  performerPractitionerIds: string[] & Opt = [];
}
