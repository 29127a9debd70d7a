import { PageArgs, ROLES, type Role } from '@caregraph/platform';
import { IsBoolean, IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/secrets';
import { UserRole } from './user-account.entity';

@InputType()
export class CreateUserInput {
  @Field(() => String) @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(320) email!: string;
  @Field(() => String) @IsString() @MinLength(PASSWORD_MIN_LENGTH, { message: `password must be at least ${PASSWORD_MIN_LENGTH} characters` }) @MaxLength(PASSWORD_MAX_LENGTH) password!: string;
  @Field(() => UserRole) @IsIn(ROLES) role!: Role;
  @Field(() => String) @IsString() @IsNotEmpty() @MaxLength(200) displayName!: string;
  @Field(() => ID, { nullable: true, description: 'Required for patient accounts: their Patient record' }) @IsOptional() @IsUUID() patientId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Clinicians: their Practitioner record' }) @IsOptional() @IsUUID() practitionerId?: string | null;
}

/** Fields left out stay as they are. */
@InputType()
export class UpdateUserInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) displayName?: string;
  @Field(() => UserRole, { nullable: true }) @IsOptional() @IsIn(ROLES) role?: Role;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID() practitionerId?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true lifts a lockout after failed sign-ins' }) @IsOptional() @IsBoolean() unlock?: boolean;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => UserRole, { nullable: true }) @IsOptional() @IsIn(ROLES) role?: Role;
}

@ArgsType()
export class ChangePasswordArgs {
  @Field(() => String) @IsString() @IsNotEmpty() @MaxLength(PASSWORD_MAX_LENGTH) currentPassword!: string;
  @Field(() => String) @IsString() @MinLength(PASSWORD_MIN_LENGTH, { message: `newPassword must be at least ${PASSWORD_MIN_LENGTH} characters` }) @MaxLength(PASSWORD_MAX_LENGTH) newPassword!: string;
}

@ArgsType()
export class ConfirmTotpArgs {
  @Field(() => String) @Matches(/^\d{6}$/, { message: 'code must be 6 digits' }) code!: string;
}
