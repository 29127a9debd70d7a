import { IsEnum, IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { DiagnosticReportStatus } from './diagnostic-report.entity';

/** `from`/`to` apply to effectiveAt; `code` is the report's code (e.g. a LOINC panel). */
@ArgsType()
export class PatientDiagnosticReportsArgs extends ChartListArgs {
  @Field(() => DiagnosticReportStatus, { nullable: true }) @IsOptional() @IsEnum(DiagnosticReportStatus) status?: DiagnosticReportStatus | null;
  @Field(() => String, { nullable: true, description: 'Only reports whose first category has this code, e.g. LAB or RAD (v2-0074)' })
  @IsOptional() @MaxLength(64) category?: string | null;
}
