import { AddressInput, ContactPointInput, IdentifierInput, Nested, PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { OrganizationType } from './organization.entity';

@InputType()
export class CreateOrganizationInput {
  @Field() @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @Field(() => OrganizationType) @IsEnum(OrganizationType) type!: OrganizationType;
  @Field(() => [IdentifierInput]) @ArrayMaxSize(20) @Nested(() => IdentifierInput) identifiers: IdentifierInput[] = [];
  @Field(() => [ContactPointInput]) @ArrayMaxSize(20) @Nested(() => ContactPointInput) telecom: ContactPointInput[] = [];
  @Field(() => [AddressInput]) @ArrayMaxSize(10) @Nested(() => AddressInput) addresses: AddressInput[] = [];
}

/** Fields left out stay as they are; lists given replace the stored list. */
@InputType()
export class UpdateOrganizationInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @Field(() => OrganizationType, { nullable: true }) @IsOptional() @IsEnum(OrganizationType) type?: OrganizationType;
  @Field({ nullable: true }) @IsOptional() active?: boolean;
  @Field(() => [IdentifierInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => IdentifierInput) identifiers?: IdentifierInput[];
  @Field(() => [ContactPointInput], { nullable: true }) @IsOptional() @ArrayMaxSize(20) @Nested(() => ContactPointInput) telecom?: ContactPointInput[];
  @Field(() => [AddressInput], { nullable: true }) @IsOptional() @ArrayMaxSize(10) @Nested(() => AddressInput) addresses?: AddressInput[];
}

@ArgsType()
export class OrganizationsArgs extends PageArgs {
  @Field({ nullable: true, description: 'Case- and accent-insensitive name prefix' }) @IsOptional() @IsString() @MaxLength(100) name?: string;
  @Field(() => OrganizationType, { nullable: true }) @IsOptional() @IsEnum(OrganizationType) type?: OrganizationType;
}
