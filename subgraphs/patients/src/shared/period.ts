import { LocalDateScalar, badInput } from '@caregraph/platform';
import { IsOptional } from 'class-validator';
import { Directive, Field, InputType, ObjectType } from 'type-graphql';
import { IsLocalDate } from './validators';

/** A span of calendar dates (FHIR Period at date precision), e.g. a license's validity. */
@ObjectType({ description: 'A span of calendar dates; a missing end means ongoing' })
@Directive('@shareable')
export class DatePeriod {
  @Field(() => LocalDateScalar, { nullable: true }) start?: string | null;
  @Field(() => LocalDateScalar, { nullable: true }) end?: string | null;
}

@InputType()
export class DatePeriodInput {
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) @IsOptional() @IsLocalDate() start?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) @IsOptional() @IsLocalDate() end?: string | null;
}

/** A stored period from input (null when empty); rejects an end before the start. */
export function toPeriod(input: DatePeriodInput | null | undefined, field: string): DatePeriod | null {
  if (!input || (!input.start && !input.end)) return null;
  if (input.start && input.end && input.end < input.start) throw badInput(field, `${field} ends before it starts`);
  return { start: input.start ?? null, end: input.end ?? null };
}
