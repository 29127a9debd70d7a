import { PageArgs, Nested } from '@caregraph/platform';
import { IsEnum, IsOptional, IsString, IsUUID, ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ChartAnchorType } from './comment.entity';

export const BODY_MAX_LENGTH = 5000;

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

@InputType()
export class AddChartCommentInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => String, { description: `1-${BODY_MAX_LENGTH} characters; surrounding whitespace is trimmed` })
  @IsString() @TrimmedLength(1, BODY_MAX_LENGTH) body!: string;
  @Field(() => ID, { nullable: true, description: 'The comment this replies to (same patient)' }) @IsOptional() @IsUUID() parentId?: string | null;
  @Field(() => ChartCommentAnchorInput, { nullable: true, description: 'The chart record to pin the comment to' })
  @IsOptional() @Nested(() => ChartCommentAnchorInput) anchor?: ChartCommentAnchorInput | null;
}

@ArgsType()
export class PatientChartCommentsArgs extends PageArgs {
  @Field(() => ChartAnchorType, { nullable: true }) @IsOptional() @IsEnum(ChartAnchorType) anchorType?: ChartAnchorType | null;
  @Field(() => ID, { nullable: true, description: 'With anchorType: comments pinned to this record' }) @IsOptional() @IsUUID() anchorId?: string | null;
}
