import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import type { Dosage } from '@medplum/fhirtypes';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR medicationrequest-status (R4). Values are the FHIR codes. */
export enum MedicationRequestStatus {
  ACTIVE = 'active',
  ON_HOLD = 'on-hold',
  CANCELLED = 'cancelled',
  COMPLETED = 'completed',
  ENTERED_IN_ERROR = 'entered-in-error',
  STOPPED = 'stopped',
  DRAFT = 'draft',
  UNKNOWN = 'unknown',
}
registerEnumType(MedicationRequestStatus, { name: 'MedicationRequestStatus', description: 'FHIR medication request status' });
export const MEDICATION_REQUEST_STATUS_CODES: readonly string[] = Object.values(MedicationRequestStatus);

/** FHIR medicationrequest-intent (R4). Values are the FHIR codes. */
export enum MedicationRequestIntent {
  PROPOSAL = 'proposal',
  PLAN = 'plan',
  ORDER = 'order',
  ORIGINAL_ORDER = 'original-order',
  REFLEX_ORDER = 'reflex-order',
  FILLER_ORDER = 'filler-order',
  INSTANCE_ORDER = 'instance-order',
  OPTION = 'option',
}
registerEnumType(MedicationRequestIntent, { name: 'MedicationRequestIntent', description: 'FHIR medication request intent' });
export const MEDICATION_REQUEST_INTENT_CODES: readonly string[] = Object.values(MedicationRequestIntent);

/**
 * A prescription or medication order (FHIR MedicationRequest), imported or written by a clinician
 * (prescribeMedication). The medication is an RxNorm coding as recorded.
 */
@ObjectType({ implements: ClinicalRecord, description: 'A prescription or medication order (FHIR MedicationRequest)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'medication_request' })
export class MedicationRequest extends ClinicalRecord {
  @Field(() => MedicationRequestStatus)
  @Enum({ items: () => MedicationRequestStatus, type: 'text' })
  status!: MedicationRequestStatus;

  @Field(() => MedicationRequestIntent)
  @Enum({ items: () => MedicationRequestIntent, type: 'text' })
  intent!: MedicationRequestIntent;

  @Field(() => Coding, { description: 'The medication, an RxNorm coding as recorded (FHIR medicationCodeableConcept)' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  /** code.code, for the `code` filter (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => Date, { description: 'When the request was written (FHIR authoredOn); lists sort on it' })
  @Property({ type: 'timestamptz' })
  authoredOn!: Date;

  /** FHIR requester when it names a Practitioner (patients subgraph); null for requests written in caregraph for now. */
  @Property({ type: 'uuid', nullable: true })
  requesterPractitionerId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'How to take it: the dosage instructions\' text, or a rendering of their dose, timing and "as needed" when they have no text; null without instructions',
  })
  @Property({ type: 'text', nullable: true })
  dosageText?: string | null;

  /** FHIR dosageInstruction exactly as received (a prescription written in caregraph: [{ text }]). */
  @Property({ type: 'jsonb' })
  dosage: Dosage[] & Opt = [];

  @Field(() => [Coding], { description: 'Why it was prescribed, as codes (FHIR reasonCode)' })
  @Property({ type: 'jsonb' })
  reasons: Coding[] & Opt = [];

  @Field(() => [ID], { description: 'Why it was prescribed, as records (FHIR reasonReference: usually Conditions of this chart)' })
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  reasonRecordIds: string[] & Opt = [];
}
