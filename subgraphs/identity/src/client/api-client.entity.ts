import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType } from 'type-graphql';

/** A partner application that obtains access tokens with OAuth2 client credentials. */
@ObjectType({ description: 'A partner application (OAuth2 client credentials)' })
@Entity({ tableName: 'api_client' })
export class ApiClient {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /** The public `client_id` (unique). */
  @Field(() => String)
  @Property({ type: 'text' })
  clientId!: string;

  @Property({ type: 'text', hidden: true })
  secretHash!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null = null;

  @Field(() => [String], { description: 'SMART-style scopes the client may ask for, e.g. system/Claim.read' })
  @Property({ type: 'text[]' })
  scopes: string[] & Opt = [];

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
