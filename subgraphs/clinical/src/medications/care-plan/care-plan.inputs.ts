import { IsEnum, IsOptional } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { CarePlanStatus } from './care-plan.entity';

/** `from`/`to` apply to periodStart; `code` is the first category's code; `organizationId` the organization it came from. */
@ArgsType()
export class PatientCarePlansArgs extends ChartListArgs {
  @Field(() => CarePlanStatus, { nullable: true }) @IsOptional() @IsEnum(CarePlanStatus) status?: CarePlanStatus | null;
}
