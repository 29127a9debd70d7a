import { PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { SCOPE_PATTERN } from '../auth/secrets';

export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

@InputType()
export class CreateApiClientInput {
  @Field(() => String) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @Field(() => String, { nullable: true, description: 'Public client id (3-64 of A-Z a-z 0-9 . _ -); generated when omitted' })
  @IsOptional() @Matches(CLIENT_ID_PATTERN, { message: 'clientId must be 3-64 letters, digits, dots, dashes or underscores' })
  clientId?: string | null;
  @Field(() => [String], { description: 'SMART-style scopes such as system/Claim.read, patient/*.read, user/Observation.read' })
  @ArrayMinSize(1) @ArrayMaxSize(50)
  @Matches(SCOPE_PATTERN, { each: true, message: 'scopes must look like patient/*.read, system/Claim.read or user/Observation.write' })
  scopes!: string[];
}

@ArgsType()
export class ApiClientsArgs extends PageArgs {}
