import { randomUUID } from 'node:crypto';
import { Collection, Entity, Enum, OneToMany, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Address, ContactPoint, HumanName, Identifier } from '@caregraph/platform';
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { AdministrativeGender } from '../shared/gender';
import { PractitionerNameToken } from './practitioner-name-token.entity';
import { PractitionerQualification } from './qualification';
import { PractitionerRole } from './practitioner-role.entity';

/** A clinician or other care professional. `roles` is a field resolver (practitioner-role.resolver.ts). */
@ObjectType({ description: 'A clinician or other care professional (FHIR Practitioner)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'practitioner' })
export class Practitioner {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => [HumanName])
  @Property({ type: 'jsonb' })
  names: HumanName[] & Opt = [];

  /** Folded "family given" of the primary name; list order (indexed with id). */
  @Property({ type: 'text' })
  sortName!: string;

  @Field(() => [Identifier])
  @Property({ type: 'jsonb' })
  identifiers: Identifier[] & Opt = [];

  /** National Provider Identifier; unique where present (partial unique index). */
  @Field(() => String, { nullable: true, description: 'National Provider Identifier' })
  @Property({ type: 'text', nullable: true })
  npi?: string | null;

  @Field(() => [PractitionerQualification])
  @Property({ type: 'jsonb' })
  qualifications: PractitionerQualification[] & Opt = [];

  @Field(() => AdministrativeGender, { nullable: true })
  @Enum({ items: () => AdministrativeGender, type: 'text', nullable: true })
  gender?: AdministrativeGender | null;

  @Field(() => [ContactPoint])
  @Property({ type: 'jsonb' })
  telecom: ContactPoint[] & Opt = [];

  @Field(() => [Address])
  @Property({ type: 'jsonb' })
  addresses: Address[] & Opt = [];

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  @OneToMany(() => PractitionerNameToken, (row) => row.practitioner, { orphanRemoval: true })
  nameTokens = new Collection<PractitionerNameToken>(this);

  @OneToMany(() => PractitionerRole, (row) => row.practitioner)
  roleRows = new Collection<PractitionerRole>(this);
}
