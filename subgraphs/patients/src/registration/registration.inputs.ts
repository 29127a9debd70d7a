import { IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { IsNotFuture } from '../shared/validators';
import { RegistrationStatus } from './registration.entity';

export const MRN = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
export const MRN_MESSAGE = 'mrn must be letters, digits, dot, dash, slash or underscore';

@InputType()
export class RegisterPatientInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => ID) @IsUUID() organizationId!: string;
  @Field({ description: "The organization's medical record number, unique within it" }) @IsString() @IsNotEmpty() @MaxLength(64) @Matches(MRN, { message: MRN_MESSAGE }) mrn!: string;
  @Field(() => Date, { nullable: true, description: 'Defaults to now' }) @IsOptional() @IsNotFuture() registeredAt?: Date | null;
}

@InputType()
export class UpdateRegistrationInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(64) @Matches(MRN, { message: MRN_MESSAGE }) mrn?: string | null;
  @Field(() => RegistrationStatus, { nullable: true }) @IsOptional() @IsEnum(RegistrationStatus) status?: RegistrationStatus | null;
}
