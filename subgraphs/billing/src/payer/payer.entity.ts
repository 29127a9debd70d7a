import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PayerKind {
  INSURER = 'insurer',
  SELF_PAY = 'self-pay',
}
registerEnumType(PayerKind, { name: 'PayerKind', description: 'An insurer, or the patient paying for themselves' });

/**
 * Who pays a claim: an insurer (Medicare, a private plan, ...) or self-pay. Payers are billing's
 * own records (Synthea names them only by display), keyed by name case-insensitively.
 */
@ObjectType({ description: 'A payer: an insurer or self-pay' })
@Entity({ tableName: 'payer' })
export class Payer {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => PayerKind)
  @Enum({ items: () => PayerKind, type: 'text' })
  kind!: PayerKind;

  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();
}
