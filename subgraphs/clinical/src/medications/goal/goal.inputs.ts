import { IsEnum, IsOptional } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { GoalLifecycleStatus } from './goal.entity';

/** `from`/`to` apply to startAt; `code` is the goal description's code, when coded; `organizationId` the organization it came from. */
@ArgsType()
export class PatientGoalsArgs extends ChartListArgs {
  @Field(() => GoalLifecycleStatus, { nullable: true }) @IsOptional() @IsEnum(GoalLifecycleStatus) lifecycleStatus?: GoalLifecycleStatus | null;
}
