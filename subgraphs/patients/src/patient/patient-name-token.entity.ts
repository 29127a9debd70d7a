import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp, type Rel } from '@mikro-orm/postgresql';
import { Patient } from './patient.entity';

/** One folded given/family name word of a patient; `token like 'prefix%'` uses a text_pattern_ops index. */
@Entity({ tableName: 'patient_name_token' })
export class PatientNameToken {
  @ManyToOne(() => Patient, { primary: true, deleteRule: 'cascade' })
  patient!: Rel<Patient>;

  @PrimaryKey({ type: 'text' })
  token!: string;

  [PrimaryKeyProp]?: ['patient', 'token'];
}
