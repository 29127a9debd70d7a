import { randomUUID } from 'node:crypto';
import { PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * What every chart record has: the patient, the organization it came from (the source every
 * clinician sees beside it), the encounter it was recorded in when known, and timestamps.
 * Patient, organization and practitioners live in the patients subgraph: plain uuid columns, no
 * foreign keys across schemas. Subclasses add `@Entity` and their own fields; their table has
 * these columns too (see the migrations). Concrete records declare
 * `@ObjectType({ implements: ClinicalRecord })`; the shared fields resolve in record-fields.resolver.ts.
 */
@InterfaceType('ChartRecord', { description: 'What every chart record has: where it came from, the encounter it belongs to, when it was stored' })
export abstract class ClinicalRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'uuid' })
  patientId!: string;

  /**
   * The organization the record came from. Null only for a patient's own device readings while no
   * organization monitors them (monitoring/); every other table keeps the column not null.
   */
  @Property({ type: 'uuid', nullable: true })
  organizationId!: string | null;

  /** The encounter it was recorded in, when known (same schema; no foreign key so imports may come in any order). */
  @Property({ type: 'uuid', nullable: true })
  encounterId?: string | null;

  @Field(() => Date, { description: 'When caregraph stored the record' })
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
