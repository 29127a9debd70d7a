import { PageArgs } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';

@ArgsType()
export class MyNotificationsArgs extends PageArgs {
  @Field(() => Boolean, { defaultValue: false, description: 'Only those not read yet' })
  @IsBoolean() unreadOnly: boolean = false;
}

@InputType()
export class MarkNotificationsReadInput {
  @Field(() => [ID], { nullable: true, description: 'These notifications (1-100 of yours); or give all: true' })
  @IsOptional() @ArrayMinSize(1) @ArrayMaxSize(100) @IsUUID('all', { each: true }) ids?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Every unread notification of yours' })
  @IsOptional() @IsBoolean() all?: boolean | null;
}
