import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Directive, Field, InputType, ObjectType } from 'type-graphql';

/*
 * FHIR R4 datatypes as GraphQL value types. They are @shareable so that every subgraph can return
 * them; each has a validated input twin. Stored as jsonb on the owning record.
 */

@ObjectType({ description: 'FHIR Identifier: a business identifier such as an MRN, NPI or member id' })
@Directive('@shareable')
export class Identifier {
  @Field({ description: 'Namespace URI, e.g. http://hl7.org/fhir/sid/us-npi' }) system!: string;
  @Field() value!: string;
  @Field(() => String, { nullable: true, description: 'Kind of identifier (v2-0203 code: MR, SS, NPI, ...)' }) type?: string | null;
}

@InputType()
export class IdentifierInput {
  @Field() @IsString() @IsNotEmpty() @MaxLength(255) system!: string;
  @Field() @IsString() @IsNotEmpty() @MaxLength(255) value!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(32) type?: string | null;
}

@ObjectType({ description: 'FHIR Coding: a code from a code system' })
@Directive('@shareable')
export class Coding {
  @Field(() => String, { nullable: true }) system?: string | null;
  @Field() code!: string;
  @Field(() => String, { nullable: true }) display?: string | null;
}

@InputType()
export class CodingInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(255) system?: string | null;
  @Field() @IsString() @IsNotEmpty() @MaxLength(64) code!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(255) display?: string | null;
}

export const NAME_USES = ['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'] as const;

@ObjectType({ description: 'FHIR HumanName' })
@Directive('@shareable')
export class HumanName {
  @Field(() => String, { nullable: true }) use?: string | null;
  @Field(() => String, { nullable: true }) family?: string | null;
  @Field(() => [String]) given: string[] = [];
  @Field(() => [String]) prefix: string[] = [];
  @Field(() => [String]) suffix: string[] = [];
  @Field(() => String, { nullable: true, description: 'The name as one line, e.g. "Dr. Rebecca Labadie"' }) text?: string | null;
}

@InputType()
export class HumanNameInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsIn(NAME_USES) use?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(100) family?: string | null;
  @Field(() => [String]) @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(100, { each: true }) given: string[] = [];
  @Field(() => [String]) @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(40, { each: true }) prefix: string[] = [];
  @Field(() => [String]) @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(40, { each: true }) suffix: string[] = [];
}

export const CONTACT_SYSTEMS = ['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'] as const;
export const CONTACT_USES = ['home', 'work', 'temp', 'old', 'mobile'] as const;

@ObjectType({ description: 'FHIR ContactPoint: phone, email, ...' })
@Directive('@shareable')
export class ContactPoint {
  @Field() system!: string;
  @Field() value!: string;
  @Field(() => String, { nullable: true }) use?: string | null;
}

@InputType()
export class ContactPointInput {
  @Field() @IsIn(CONTACT_SYSTEMS) system!: string;
  @Field() @IsString() @IsNotEmpty() @MaxLength(255) value!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsIn(CONTACT_USES) use?: string | null;
}

@ObjectType({ description: 'FHIR Address' })
@Directive('@shareable')
export class Address {
  @Field(() => String, { nullable: true }) use?: string | null;
  @Field(() => [String]) line: string[] = [];
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) state?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => String, { nullable: true }) country?: string | null;
}

@InputType()
export class AddressInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsIn(['home', 'work', 'temp', 'old', 'billing']) use?: string | null;
  @Field(() => [String]) @ArrayMaxSize(4) @IsString({ each: true }) @MaxLength(200, { each: true }) line: string[] = [];
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(100) city?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(100) state?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @Matches(/^[A-Za-z0-9 -]{3,10}$/, { message: 'postalCode must be 3-10 letters, digits, spaces or dashes' }) postalCode?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(60) country?: string | null;
}

/**
 * Validates a nested input object or list of them. type-graphql instantiates nested inputs itself;
 * the class-transformer hint keeps them instances when validated outside GraphQL.
 */
export const Nested = <T>(type: () => new () => T) => (target: object, key: string) => {
  ValidateNested()(target, key);
  Type(type)(target, key);
};
