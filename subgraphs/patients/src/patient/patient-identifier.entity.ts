import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, PrimaryKey, Property, type Opt, type Rel } from '@mikro-orm/postgresql';
import type { Identifier } from '@caregraph/platform';
import { Patient } from './patient.entity';

/** One identifier of a patient (MRN, SSN, driver's license...), indexed on (system, value). */
@Entity({ tableName: 'patient_identifier' })
export class PatientIdentifier {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => Patient, { deleteRule: 'cascade' })
  patient!: Rel<Patient>;

  @Property({ type: 'text' })
  system!: string;

  @Property({ type: 'text' })
  value!: string;

  /** v2-0203 code (MR, SS, DL, ...) */
  @Property({ type: 'text', nullable: true })
  type?: string | null;
}

export const identifierKey = (identifier: { system: string; value: string }) => `${identifier.system}\u0000${identifier.value}`;

export const toIdentifier = (row: PatientIdentifier): Identifier => ({ system: row.system, value: row.value, type: row.type ?? null });
