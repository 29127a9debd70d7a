import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ArgsType, Field, Float, ID, ObjectType } from 'type-graphql';
import { OrganizationRef } from '../../stubs';

/** At most this many points per series: the most recent ones (a chart has no use for more). */
export const MAX_SERIES_POINTS = 5000;

@ArgsType()
export class ObservationSeriesArgs {
  @Field(() => String, { description: 'The observation code, e.g. LOINC 29463-7 (body weight); 85354-9 (blood pressure) also returns 55284-4 panels' })
  @IsString() @IsNotEmpty() @MaxLength(64)
  code!: string;

  @Field(() => Date, { nullable: true, description: 'Only points at or after this instant' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only points before this instant' })
  to?: Date | null;
}

@ObjectType({ description: 'One measurement of a trend' })
export class ObservationPoint {
  @Field(() => Date) effectiveAt!: Date;

  @Field(() => Float, { nullable: true, description: 'The measured value (null for a blood pressure: see systolic and diastolic)' })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'Its unit as recorded' })
  unit!: string | null;

  @Field(() => Float, { nullable: true, description: 'Blood pressure panels: the systolic component (8480-6)' })
  systolic!: number | null;

  @Field(() => Float, { nullable: true, description: 'Blood pressure panels: the diastolic component (8462-4)' })
  diastolic!: number | null;

  @Field(() => OrganizationRef, { nullable: true, description: 'The organization the measurement came from' })
  organization!: OrganizationRef | null;

  @Field(() => ID) observationId!: string;
}
