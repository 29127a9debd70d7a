import { randomUUID } from 'node:crypto';
import { Collection, Entity, Enum, OneToMany, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Address, Coding, ContactPoint, HumanName, LocalDateScalar } from '@caregraph/platform';
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { AdministrativeGender } from '../shared/gender';
import { PatientRegistration } from '../registration/registration.entity';
import { PatientConsent } from '../consent/consent.entity';
import { BreakGlassAccess } from '../access/break-glass.entity';
import { PatientIdentifier } from './patient-identifier.entity';
import { PatientNameToken } from './patient-name-token.entity';

/**
 * A person receiving care: the demographics every organization shares. `identifiers` and
 * `registrations` are field resolvers (rows in their own tables), see patient.resolver.ts.
 */
@ObjectType({ description: 'A person receiving care (FHIR Patient)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'patient' })
export class Patient {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => [HumanName])
  @Property({ type: 'jsonb' })
  names: HumanName[] & Opt = [];

  /** Folded "family given" of the primary name; list order (indexed with id). */
  @Property({ type: 'text' })
  sortName!: string;

  @Field(() => LocalDateScalar, { nullable: true })
  @Property({ type: 'date', nullable: true })
  birthDate?: string | null;

  @Field(() => AdministrativeGender)
  @Enum({ items: () => AdministrativeGender, type: 'text' })
  gender: AdministrativeGender & Opt = AdministrativeGender.UNKNOWN;

  @Field(() => [ContactPoint])
  @Property({ type: 'jsonb' })
  telecom: ContactPoint[] & Opt = [];

  @Field(() => [Address])
  @Property({ type: 'jsonb' })
  addresses: Address[] & Opt = [];

  @Field(() => String, { nullable: true, description: 'Preferred language, BCP-47 (e.g. en-US)' })
  @Property({ type: 'text', nullable: true })
  language?: string | null;

  @Field(() => Coding, { nullable: true, description: 'v3-MaritalStatus code' })
  @Property({ type: 'jsonb', nullable: true })
  maritalStatus?: Coding | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  deceased: boolean & Opt = false;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  deceasedAt?: Date | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  /** Searchable identifiers (patients.patient_identifier): the source of `identifiers`. */
  @OneToMany(() => PatientIdentifier, (row) => row.patient, { orphanRemoval: true })
  identifierRows = new Collection<PatientIdentifier>(this);

  /** Folded name words (patients.patient_name_token) for prefix search. */
  @OneToMany(() => PatientNameToken, (row) => row.patient, { orphanRemoval: true })
  nameTokens = new Collection<PatientNameToken>(this);

  @OneToMany(() => PatientRegistration, (row) => row.patient)
  registrationRows = new Collection<PatientRegistration>(this);

  /** For the access policy's list condition (accessiblePatients); consents are read through ConsentService. */
  @OneToMany(() => PatientConsent, (row) => row.patient)
  consentRows = new Collection<PatientConsent>(this);

  @OneToMany(() => BreakGlassAccess, (row) => row.patient)
  breakGlassRows = new Collection<BreakGlassAccess>(this);
}
