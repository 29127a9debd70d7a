import { AuditActionEnum, AuditOutcomeEnum, PageArgs, type AuditAction, type AuditOutcome } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsOptional, IsUUID, MaxLength } from 'class-validator';
import { ArgsType, Field, ID } from 'type-graphql';

@ArgsType()
export class AuditEventsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only events by this actor (user id, or a partner app\'s client id)' })
  @IsOptional() @MaxLength(200)
  actorId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only events on this patient\'s record' })
  @IsOptional() @IsUUID('all', { message: 'patientId must be a uuid' })
  patientId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only events at or after this instant (inclusive)' })
  @IsOptional()
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only events before this instant (exclusive)' })
  @IsOptional()
  to?: Date | null;

  @Field(() => AuditOutcomeEnum, { nullable: true })
  @IsOptional()
  outcome?: AuditOutcome | null;

  @Field(() => [AuditActionEnum], { nullable: true, description: 'Only events with any of these actions' })
  @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(20)
  action?: AuditAction[] | null;

  @Field(() => Boolean, { nullable: true, description: 'true: only break-glass starts and the reads and writes made under break-glass (the ones to review)' })
  @IsOptional() @IsBoolean()
  breakGlass?: boolean | null;
}
