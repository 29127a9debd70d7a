import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Address, ContactPoint, Identifier } from '@caregraph/platform';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum OrganizationType {
  HOSPITAL = 'hospital',
  PRACTICE = 'practice',
  PAYER = 'payer',
  OTHER = 'other',
}
registerEnumType(OrganizationType, { name: 'OrganizationType', description: 'What kind of organization this is' });

/** A hospital, practice or payer. Every record in caregraph names the organization it came from. */
@ObjectType({ description: 'A hospital, practice or payer' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'organization' })
export class Organization {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  /** lower(name) without accents, for prefix search */
  // indexed (text_pattern_ops) in the migration
  @Property({ type: 'text' })
  searchName!: string;

  @Field(() => OrganizationType)
  @Enum({ items: () => OrganizationType, type: 'text' })
  type!: OrganizationType;

  @Field(() => [Identifier])
  @Property({ type: 'jsonb' })
  identifiers: Identifier[] & Opt = [];

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
}
