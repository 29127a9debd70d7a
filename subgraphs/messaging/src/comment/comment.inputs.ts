import { PageArgs, Nested } from '@caregraph/platform';
import { ArrayMaxSize, IsArray, IsBoolean, IsEnum, IsInt, IsOptional, IsString, IsUUID, Matches, Min, ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { ChartAnchorType } from './comment.entity';

export const BODY_MAX_LENGTH = 5000;
export const MAX_MENTIONS = 20;

/** Characters (code points, as Postgres counts them) once surrounding whitespace is trimmed. */
export const trimmedLength = (text: string): number => [...text.trim()].length;

/** A string of min–max characters after trimming (so "   " is empty). */
function TrimmedLength(min: number, max: number, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'trimmedLength',
      validator: {
        validate: (value) => typeof value === 'string' && trimmedLength(value) >= min && trimmedLength(value) <= max,
        defaultMessage: buildMessage((each) => `${each}$property must be ${min}-${max} characters after trimming`, validationOptions),
      },
    },
    validationOptions,
  );
}

@InputType()
export class ChartCommentAnchorInput {
  @Field(() => ChartAnchorType) @IsEnum(ChartAnchorType) type!: ChartAnchorType;
  @Field(() => ID) @IsUUID() id!: string;
}

const BODY_DESCRIPTION = `1-${BODY_MAX_LENGTH} characters; surrounding whitespace is trimmed`;
const MENTIONS_DESCRIPTION = `Practitioners to @mention (at most ${MAX_MENTIONS}); they are notified`;
const CLIENT_MESSAGE_ID_DESCRIPTION = "The client's id for this write (1-200 visible ASCII characters, e.g. a UUID): a retry with the same id returns the stored result and changes nothing";

/** Practitioner ids, validated as UUIDs (the directory lives in the patients subgraph). */
const Mentions = (): PropertyDecorator => (target, key) => {
  IsOptional()(target, key);
  IsArray()(target, key);
  ArrayMaxSize(MAX_MENTIONS)(target, key);
  IsUUID('all', { each: true })(target, key);
};
const ClientMessageId = (): PropertyDecorator => (target, key) => {
  IsOptional()(target, key);
  Matches(/^[\x21-\x7e]{1,200}$/, { message: 'clientMessageId must be 1-200 visible ASCII characters, no spaces' })(target, key);
};

@InputType()
export class AddChartCommentInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => String, { description: BODY_DESCRIPTION })
  @IsString() @TrimmedLength(1, BODY_MAX_LENGTH) body!: string;
  @Field(() => ID, { nullable: true, description: 'The comment this replies to (same patient)' }) @IsOptional() @IsUUID() parentId?: string | null;
  @Field(() => ChartCommentAnchorInput, { nullable: true, description: 'The chart record to pin the comment to' })
  @IsOptional() @Nested(() => ChartCommentAnchorInput) anchor?: ChartCommentAnchorInput | null;
  @Field(() => [ID], { nullable: true, description: MENTIONS_DESCRIPTION }) @Mentions() mentions?: string[] | null;
  @Field(() => String, { nullable: true, description: CLIENT_MESSAGE_ID_DESCRIPTION }) @ClientMessageId() clientMessageId?: string | null;
}

@InputType()
export class EditChartCommentInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => String, { description: BODY_DESCRIPTION })
  @IsString() @TrimmedLength(1, BODY_MAX_LENGTH) body!: string;
  @Field(() => [ID], { nullable: true, description: `${MENTIONS_DESCRIPTION}; unset keeps the current ones` }) @Mentions() mentions?: string[] | null;
  @Field(() => Int, { description: 'The version you edited; another edit in between answers CONFLICT with currentVersion' })
  @IsInt() @Min(1) expectedVersion!: number;
  @Field(() => String, { nullable: true, description: CLIENT_MESSAGE_ID_DESCRIPTION }) @ClientMessageId() clientMessageId?: string | null;
}

@InputType()
export class DeleteChartCommentInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => Int, { nullable: true, description: 'When given: CONFLICT (with currentVersion) if the comment changed since' })
  @IsOptional() @IsInt() @Min(1) expectedVersion?: number | null;
  @Field(() => String, { nullable: true, description: CLIENT_MESSAGE_ID_DESCRIPTION }) @ClientMessageId() clientMessageId?: string | null;
}

@ArgsType()
export class PatientChartCommentsArgs extends PageArgs {
  @Field(() => ChartAnchorType, { nullable: true }) @IsOptional() @IsEnum(ChartAnchorType) anchorType?: ChartAnchorType | null;
  @Field(() => ID, { nullable: true, description: 'With anchorType: comments pinned to this record' }) @IsOptional() @IsUUID() anchorId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only the replies to this comment (one thread)' }) @IsOptional() @IsUUID() parentId?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: only comments that start a thread (no parent)' }) @IsOptional() @IsBoolean() topLevel?: boolean | null;
}
