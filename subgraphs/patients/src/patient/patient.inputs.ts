import { AddressInput, CodingInput, ContactPointInput, HumanNameInput, IdentifierInput, Nested, PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { AdministrativeGender } from '../shared/gender';
import { BCP47, IsLocalDate, IsNotFuture } from '../shared/validators';
import { MRN, MRN_MESSAGE } from '../registration/registration.inputs';

const LANGUAGE_MESSAGE = 'language must be a BCP-47 language tag such as en or en-US';

@InputType()
export class CreatePatientInput {
  @Field(() => [HumanNameInput]) @ArrayMinSize(1) @ArrayMaxSize(10) @Nested(() => HumanNameInput) names!: HumanNameInput[];
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, not in the future' }) @IsOptional() @IsLocalDate({ notFuture: true }) birthDate?: string | null;
  @Field(() => AdministrativeGender) @IsEnum(AdministrativeGender) gender!: AdministrativeGender;
  @Field(() => [ContactPointInput]) @ArrayMaxSize(20) @Nested(() => ContactPointInput) telecom: ContactPointInput[] = [];
  @Field(() => [AddressInput]) @ArrayMaxSize(10) @Nested(() => AddressInput) addresses: AddressInput[] = [];
  @Field(() => String, { nullable: true, description: 'BCP-47, e.g. en-US' }) @IsOptional() @Matches(BCP47, { message: LANGUAGE_MESSAGE }) language?: string | null;
  @Field(() => CodingInput, { nullable: true }) @IsOptional() @Nested(() => CodingInput) maritalStatus?: CodingInput | null;
  @Field(() => [IdentifierInput]) @ArrayMaxSize(20) @Nested(() => IdentifierInput) identifiers: IdentifierInput[] = [];
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() deceased?: boolean | null;
  @Field(() => Date, { nullable: true, description: 'Implies deceased' }) @IsOptional() @IsNotFuture() deceasedAt?: Date | null;
  @Field(() => String, { nullable: true, description: "The medical record number at the caller's organization, where the new patient is registered; generated when left out" })
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(64) @Matches(MRN, { message: MRN_MESSAGE }) mrn?: string | null;
}

/** Fields left out stay as they are; lists given replace the stored list; null clears a nullable field. */
@InputType()
export class UpdatePatientInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => [HumanNameInput], { nullable: true }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(10) @Nested(() => HumanNameInput) names?: HumanNameInput[] | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, not in the future' }) @IsOptional() @IsLocalDate({ notFuture: true }) birthDate?: string | null;
  @Field(() => AdministrativeGender, { nullable: true }) @IsOptional() @IsEnum(AdministrativeGender) gender?: AdministrativeGender | null;
  @Field(() => [ContactPointInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => ContactPointInput) telecom?: ContactPointInput[] | null;
  @Field(() => [AddressInput], { nullable: true }) @IsOptional() @ArrayMaxSize(10) @Nested(() => AddressInput) addresses?: AddressInput[] | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(BCP47, { message: LANGUAGE_MESSAGE }) language?: string | null;
  @Field(() => CodingInput, { nullable: true }) @IsOptional() @Nested(() => CodingInput) maritalStatus?: CodingInput | null;
  @Field(() => [IdentifierInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => IdentifierInput) identifiers?: IdentifierInput[] | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() deceased?: boolean | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @IsNotFuture() deceasedAt?: Date | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() active?: boolean | null;
}

@InputType({ description: 'An exact identifier to look a patient up by' })
export class IdentifierFilter {
  @Field() @IsString() @IsNotEmpty() @MaxLength(255) system!: string;
  @Field() @IsString() @IsNotEmpty() @MaxLength(255) value!: string;
}

@ArgsType()
export class PatientsArgs extends PageArgs {
  @Field({ nullable: true, description: 'Each word must prefix-match a given or family name (case- and accent-insensitive)' })
  @IsOptional() @IsString() @MaxLength(100) name?: string;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) @IsOptional() @IsLocalDate() birthDate?: string | null;
  @Field(() => IdentifierFilter, { nullable: true }) @IsOptional() @Nested(() => IdentifierFilter) identifier?: IdentifierFilter | null;
  @Field(() => ID, { nullable: true, description: 'Only patients registered at this organization' }) @IsOptional() @IsUUID() organizationId?: string | null;
}
