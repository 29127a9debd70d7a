import { AddressInput, ContactPointInput, HumanNameInput, IdentifierInput, Nested, PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { AdministrativeGender } from '../shared/gender';
import { NPI_PATTERN } from '../shared/validators';
import { PractitionerQualificationInput } from './qualification';

const NPI_MESSAGE = 'npi must be exactly 10 digits';

@InputType()
export class CreatePractitionerInput {
  @Field(() => [HumanNameInput]) @ArrayMinSize(1) @ArrayMaxSize(10) @Nested(() => HumanNameInput) names!: HumanNameInput[];
  @Field(() => String, { nullable: true, description: 'National Provider Identifier, 10 digits' }) @IsOptional() @Matches(NPI_PATTERN, { message: NPI_MESSAGE }) npi?: string | null;
  @Field(() => [IdentifierInput]) @ArrayMaxSize(20) @Nested(() => IdentifierInput) identifiers: IdentifierInput[] = [];
  @Field(() => [PractitionerQualificationInput]) @ArrayMaxSize(20) @Nested(() => PractitionerQualificationInput) qualifications: PractitionerQualificationInput[] = [];
  @Field(() => AdministrativeGender, { nullable: true }) @IsOptional() @IsEnum(AdministrativeGender) gender?: AdministrativeGender | null;
  @Field(() => [ContactPointInput]) @ArrayMaxSize(20) @Nested(() => ContactPointInput) telecom: ContactPointInput[] = [];
  @Field(() => [AddressInput]) @ArrayMaxSize(10) @Nested(() => AddressInput) addresses: AddressInput[] = [];
}

/** Fields left out stay as they are; lists given replace the stored list; null clears a nullable field. */
@InputType()
export class UpdatePractitionerInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => [HumanNameInput], { nullable: true }) @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(10) @Nested(() => HumanNameInput) names?: HumanNameInput[] | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(NPI_PATTERN, { message: NPI_MESSAGE }) npi?: string | null;
  @Field(() => [IdentifierInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => IdentifierInput) identifiers?: IdentifierInput[] | null;
  @Field(() => [PractitionerQualificationInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => PractitionerQualificationInput) qualifications?: PractitionerQualificationInput[] | null;
  @Field(() => AdministrativeGender, { nullable: true }) @IsOptional() @IsEnum(AdministrativeGender) gender?: AdministrativeGender | null;
  @Field(() => [ContactPointInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => ContactPointInput) telecom?: ContactPointInput[] | null;
  @Field(() => [AddressInput], { nullable: true }) @IsOptional() @ArrayMaxSize(10) @Nested(() => AddressInput) addresses?: AddressInput[] | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() active?: boolean | null;
}

@ArgsType()
export class PractitionersArgs extends PageArgs {
  @Field({ nullable: true, description: 'Each word must prefix-match a given or family name (case- and accent-insensitive)' })
  @IsOptional() @IsString() @MaxLength(100) name?: string;

  @Field(() => String, { nullable: true, description: 'Exact NPI' }) @IsOptional() @IsString() @MaxLength(20) npi?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only practitioners with a role at this organization' }) @IsOptional() @IsUUID() organizationId?: string | null;
}
