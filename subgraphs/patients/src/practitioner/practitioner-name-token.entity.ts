import { Entity, ManyToOne, PrimaryKey, PrimaryKeyProp, type Rel } from '@mikro-orm/postgresql';
import { Practitioner } from './practitioner.entity';

/** One folded given/family name word of a practitioner (text_pattern_ops index for prefix search). */
@Entity({ tableName: 'practitioner_name_token' })
export class PractitionerNameToken {
  @ManyToOne(() => Practitioner, { primary: true, deleteRule: 'cascade' })
  practitioner!: Rel<Practitioner>;

  @PrimaryKey({ type: 'text' })
  token!: string;

  [PrimaryKeyProp]?: ['practitioner', 'token'];
}
