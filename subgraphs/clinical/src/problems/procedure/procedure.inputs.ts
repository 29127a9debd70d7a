import { IsEnum, IsOptional } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { ProcedureStatus } from './procedure.entity';

/** `from`/`to` apply to performedStart; `code` is the procedure's code; `organizationId` where it was recorded. */
@ArgsType()
export class PatientProceduresArgs extends ChartListArgs {
  @Field(() => ProcedureStatus, { nullable: true }) @IsOptional() @IsEnum(ProcedureStatus) status?: ProcedureStatus | null;
}
