import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, PrimaryKey, Property, Unique, type Opt, type Rel } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Field, ID, ObjectType } from 'type-graphql';
import { Organization } from '../organization/organization.entity';
import { DatePeriod } from '../shared/period';
import { Practitioner } from './practitioner.entity';

/** "system|code" of a role code: what the uniqueness of a role is checked on. */
export const codeKey = (code: { system?: string | null; code: string }) => `${code.system ?? ''}|${code.code}`;

/**
 * A practitioner working at an organization in a role (FHIR PractitionerRole). Unique per
 * (practitioner, organization, role code). `practitioner` and `organization` are field resolvers.
 */
@ObjectType({ description: 'A practitioner working at an organization in a role' })
@Entity({ tableName: 'practitioner_role' })
@Unique({ name: 'practitioner_role_practitioner_organization_code_key', properties: ['practitioner', 'organization', 'codeKey'] })
export class PractitionerRole {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => Practitioner, { deleteRule: 'cascade' })
  practitioner!: Rel<Practitioner>;

  @ManyToOne(() => Organization)
  organization!: Rel<Organization>;

  @Field(() => Coding, { description: 'Role (practitioner-role code system: doctor, nurse, ...)' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  @Property({ type: 'text' })
  codeKey!: string;

  @Field(() => Coding, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  specialty?: Coding | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  @Property({ type: 'date', nullable: true })
  periodStart?: string | null;

  @Property({ type: 'date', nullable: true })
  periodEnd?: string | null;

  @Field(() => DatePeriod, { nullable: true })
  get period(): DatePeriod | null {
    return this.periodStart || this.periodEnd ? { start: this.periodStart ?? null, end: this.periodEnd ?? null } : null;
  }

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
