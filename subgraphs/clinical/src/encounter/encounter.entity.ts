import { randomUUID } from 'node:crypto';
import { ArrayType, Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/** FHIR encounter status (http://hl7.org/fhir/encounter-status, R4). Values are the FHIR codes. */
export enum EncounterStatus {
  PLANNED = 'planned',
  ARRIVED = 'arrived',
  TRIAGED = 'triaged',
  IN_PROGRESS = 'in-progress',
  ONLEAVE = 'onleave',
  FINISHED = 'finished',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
  UNKNOWN = 'unknown',
}
registerEnumType(EncounterStatus, { name: 'EncounterStatus', description: 'FHIR encounter status' });

export const ENCOUNTER_STATUS_CODES: readonly string[] = Object.values(EncounterStatus);

/**
 * A visit, admission or contact between a patient and an organization's clinicians (FHIR
 * Encounter). Patient, organization and practitioners live in the patients subgraph: only their
 * ids are stored here (see encounter.resolver.ts for the federated fields).
 */
@ObjectType({ description: 'A visit, admission or other contact with a care provider (FHIR Encounter)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'encounter' })
export class Encounter {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  /** FHIR serviceProvider: the organization the record came from. */
  @Property({ type: 'uuid' })
  organizationId!: string;

  @Field(() => EncounterStatus)
  @Enum({ items: () => EncounterStatus, type: 'text' })
  status!: EncounterStatus;

  @Field(() => String, { description: 'FHIR Encounter.class code as recorded (AMB, EMER, IMP, WELLNESS, ...)' })
  @Property({ type: 'text' })
  classCode!: string;

  @Field(() => Coding, { nullable: true, description: 'What kind of encounter, e.g. a SNOMED CT procedure code' })
  @Property({ type: 'jsonb', nullable: true })
  type?: Coding | null;

  /** type.code, for the `code` filter (indexed). */
  @Property({ type: 'text', nullable: true })
  typeCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Where it took place (FHIR Encounter.location), when more precise than the organization' })
  @Property({ type: 'text', nullable: true })
  locationName?: string | null;

  @Field(() => String, { nullable: true, description: "The clinician's summary of the visit" })
  @Property({ type: 'text', nullable: true })
  visitSummary?: string | null;

  @Field(() => [Coding], { description: 'Why the encounter took place' })
  @Property({ type: 'jsonb' })
  reasons: Coding[] & Opt = [];

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  periodStart!: Date;

  @Field(() => Date, { nullable: true, description: 'Unset while the encounter is ongoing' })
  @Property({ type: 'timestamptz', nullable: true })
  periodEnd?: Date | null;

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  participantPractitionerIds: string[] & Opt = [];

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
