import { IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';

/** `from`/`to` apply to startedAt. Studies have no `code` to filter on (the modality is the useful one). */
@ArgsType()
export class PatientImagingStudiesArgs extends ChartListArgs {
  @Field(() => String, { nullable: true, description: 'Only studies with a series of this DICOM modality, e.g. CT, MR, DX' })
  @IsOptional() @MaxLength(16) modality?: string | null;
}
