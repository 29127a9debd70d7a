import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique, type Opt, type Rel } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';

export enum RegistrationStatus {
  ACTIVE = 'active',
  INACTIVE = 'inactive',
}
registerEnumType(RegistrationStatus, { name: 'RegistrationStatus', description: 'Whether the organization still keeps the record current' });

/**
 * An organization holding a record of a patient under its own MRN. Unique per (patient,
 * organization) and per (organization, mrn). `patient` and `organization` are field resolvers.
 */
@ObjectType({ description: "An organization's record of a patient, with its local medical record number" })
@Entity({ tableName: 'patient_registration' })
@Unique({ name: 'patient_registration_patient_organization_key', properties: ['patient', 'organization'] })
@Unique({ name: 'patient_registration_organization_mrn_key', properties: ['organization', 'mrn'] })
export class PatientRegistration {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => Patient, { deleteRule: 'cascade' })
  patient!: Rel<Patient>;

  @ManyToOne(() => Organization)
  organization!: Rel<Organization>;

  @Field(() => String, { description: "The organization's medical record number for this patient" })
  @Property({ type: 'text' })
  mrn!: string;

  @Field(() => RegistrationStatus)
  @Enum({ items: () => RegistrationStatus, type: 'text' })
  status: RegistrationStatus & Opt = RegistrationStatus.ACTIVE;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  registeredAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
