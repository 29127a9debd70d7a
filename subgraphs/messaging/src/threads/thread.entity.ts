import { randomUUID } from 'node:crypto';
import { BigIntType, Collection, Entity, Enum, ManyToOne, OneToMany, PrimaryKey, PrimaryKeyProp, Property, type Opt, type Rel } from '@mikro-orm/postgresql';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum MessageThreadKind {
  DIRECT = 'direct',
  GROUP = 'group',
}
registerEnumType(MessageThreadKind, { name: 'MessageThreadKind', description: 'DIRECT: two clinicians (one thread per pair and patient); GROUP: two or more' });

/**
 * A conversation between clinicians, optionally about one patient (then every participant must
 * be able to see that patient's chart, and only while they can do they read it).
 */
@ObjectType({ description: 'A conversation between clinicians, optionally about one patient' })
@Entity({ tableName: 'message_thread' })
export class MessageThread {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Field(() => MessageThreadKind)
  @Enum({ items: () => MessageThreadKind, type: 'text' })
  kind!: MessageThreadKind;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  subject?: string | null;

  @Property({ type: 'uuid', nullable: true })
  patientId?: string | null;

  @Field(() => ID, { description: 'The user account that started it' })
  @Property({ type: 'uuid' })
  createdByUserId!: string;

  /** DIRECT only: the two user ids in order and the patient, so a pair has one thread per patient. */
  @Property({ type: 'text', nullable: true })
  directKey?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();

  @Field(() => Date, { description: 'The last message (or the start): threads are listed newest activity first' })
  @Property({ type: 'timestamptz' })
  lastActivityAt: Date & Opt = new Date();

  @OneToMany(() => ThreadParticipant, (participant) => participant.thread)
  participants = new Collection<ThreadParticipant>(this);
}

/** A clinician in a thread, with their read receipt: the message read up to, and when. */
@ObjectType({ description: 'A clinician in a thread, and how far they have read' })
@Entity({ tableName: 'thread_participant' })
export class ThreadParticipant {
  @ManyToOne(() => MessageThread, { primary: true, deleteRule: 'cascade' })
  thread!: Rel<MessageThread>;

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  [PrimaryKeyProp]?: ['thread', 'userId'];

  @Field(() => ID, { description: 'Their organization when they joined' })
  @Property({ type: 'uuid' })
  organizationId!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  joinedAt: Date & Opt = new Date();

  /** The seq of the last message read (0: none). */
  @Property({ type: new BigIntType('string') })
  lastReadSeq: string & Opt = '0';

  @Field(() => ID, { nullable: true, description: 'Read receipt: the last message they read (null: none yet)' })
  @Property({ type: 'uuid', nullable: true })
  lastReadMessageId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Read receipt: when they read up to it' })
  @Property({ type: 'timestamptz', nullable: true })
  lastReadAt?: Date | null;
}

/** A message in a thread. Never edited; `seq` orders a thread's messages and read receipts point at it. */
@ObjectType({ description: 'A message between clinicians' })
@Entity({ tableName: 'provider_message' })
export class ProviderMessage {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: new BigIntType('string'), generated: 'always as identity' })
  seq!: string & Opt;

  @Field(() => ID)
  @Property({ type: 'uuid' })
  threadId!: string;

  @Field(() => ID, { description: 'The user account that sent it' })
  @Property({ type: 'uuid' })
  senderUserId!: string;

  @Field(() => ID, { description: "The sender's organization" })
  @Property({ type: 'uuid' })
  senderOrganizationId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  body!: string;

  @Field(() => String, { description: "The sender's id for it: a retry with the same id returns this message" })
  @Property({ type: 'text' })
  clientMessageId!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date & Opt = new Date();
}
