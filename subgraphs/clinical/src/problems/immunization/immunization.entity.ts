import { Coding } from '@caregraph/platform';
import { Entity, Enum, Property } from '@mikro-orm/postgresql';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR immunization status (http://hl7.org/fhir/event-status subset). Values are the FHIR codes. */
export enum ImmunizationStatus {
  COMPLETED = 'completed',
  ENTERED_IN_ERROR = 'entered-in-error',
  NOT_DONE = 'not-done',
}
registerEnumType(ImmunizationStatus, { name: 'ImmunizationStatus', description: 'FHIR immunization status' });

/** A vaccine given (or not given) to the patient (FHIR Immunization). Listed by `occurredAt`. */
@ObjectType('Immunization', { implements: ClinicalRecord, description: 'A vaccination, given or documented as not given (FHIR Immunization)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'immunization' })
export class Immunization extends ClinicalRecord {
  @Field(() => Coding, { description: 'The vaccine (CVX, as recorded)' })
  @Property({ type: 'jsonb' })
  vaccineCode!: Coding;

  /** vaccineCode.code, for the `code` filter (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => ImmunizationStatus)
  @Enum({ items: () => ImmunizationStatus, type: 'text' })
  status!: ImmunizationStatus;

  @Field(() => Date, { description: 'When it was given (or was to be given); the list order' })
  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Field(() => Boolean, { nullable: true, description: 'Whether the record comes from whoever gave it (false: reported, e.g. by the patient)' })
  @Property({ type: 'boolean', nullable: true })
  primarySource?: boolean | null;
}
