import { PageArgs } from '@caregraph/platform';
import { IsEnum, IsOptional } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ClaimStatus } from './claim.entity';

@ArgsType()
export class PatientClaimsArgs extends PageArgs {
  @Field(() => ClaimStatus, { nullable: true }) @IsOptional() @IsEnum(ClaimStatus) status?: ClaimStatus | null;
}
