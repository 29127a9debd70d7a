import { CodingInput, PageArgs, Nested } from '@caregraph/platform';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { DatePeriodInput } from '../shared/period';

@InputType()
export class CreatePractitionerRoleInput {
  @Field(() => ID) @IsUUID() practitionerId!: string;
  @Field(() => ID) @IsUUID() organizationId!: string;
  @Field(() => CodingInput, { description: 'Role, e.g. practitioner-role#doctor' }) @Nested(() => CodingInput) code!: CodingInput;
  @Field(() => CodingInput, { nullable: true }) @IsOptional() @Nested(() => CodingInput) specialty?: CodingInput | null;
  @Field(() => DatePeriodInput, { nullable: true }) @IsOptional() @Nested(() => DatePeriodInput) period?: DatePeriodInput | null;
}

/** Fields left out stay as they are; null clears specialty or period. */
@InputType()
export class UpdatePractitionerRoleInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() active?: boolean | null;
  @Field(() => CodingInput, { nullable: true }) @IsOptional() @Nested(() => CodingInput) specialty?: CodingInput | null;
  @Field(() => DatePeriodInput, { nullable: true }) @IsOptional() @Nested(() => DatePeriodInput) period?: DatePeriodInput | null;
}

@ArgsType()
export class PractitionerRolesArgs extends PageArgs {}
