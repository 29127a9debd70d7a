import { PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsEnum, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { MessageThreadKind } from './thread.entity';

export const MESSAGE_MAX_LENGTH = 5000;
/** Besides the one who starts it. */
export const MAX_OTHER_PARTICIPANTS = 49;
const NOT_BLANK = /\S/;

@InputType()
export class StartThreadInput {
  @Field(() => MessageThreadKind) @IsEnum(MessageThreadKind) kind!: MessageThreadKind;

  @Field(() => [ID], { description: `The other clinicians' user ids (you take part yourself): one for DIRECT, 1-${MAX_OTHER_PARTICIPANTS} for GROUP` })
  @ArrayMinSize(1) @ArrayMaxSize(MAX_OTHER_PARTICIPANTS) @ArrayUnique((id: string) => id.toLowerCase()) @IsUUID('all', { each: true })
  participantUserIds!: string[];

  @Field(() => ID, { nullable: true, description: 'The patient it is about: every participant must be able to see their chart. Required across organizations' })
  @IsOptional() @IsUUID() patientId?: string | null;

  @Field(() => String, { nullable: true, description: '1-200 characters' })
  @IsOptional() @IsString() @Matches(NOT_BLANK, { message: 'subject must not be blank' }) @MaxLength(200) subject?: string | null;
}

@InputType()
export class SendMessageInput {
  @Field(() => ID) @IsUUID() threadId!: string;

  @Field(() => String, { description: `1-${MESSAGE_MAX_LENGTH} characters; surrounding whitespace is trimmed` })
  @IsString() @Matches(NOT_BLANK, { message: 'body must not be blank' }) @MaxLength(MESSAGE_MAX_LENGTH) body!: string;

  @Field(() => String, { description: 'Your id for this message (1-100 characters): a retry with the same id is stored once and returns the stored message' })
  @IsString() @Length(1, 100) clientMessageId!: string;
}

@InputType()
export class MarkThreadReadInput {
  @Field(() => ID) @IsUUID() threadId!: string;

  @Field(() => ID, { nullable: true, description: 'Read up to this message of the thread (default: its latest). A receipt never moves back' })
  @IsOptional() @IsUUID() upToMessageId?: string | null;
}

@ArgsType()
export class MessageThreadsArgs extends PageArgs {}

@ArgsType()
export class ThreadMessagesArgs extends PageArgs {}
