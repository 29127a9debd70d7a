import { CodingInput, Nested } from '@caregraph/platform';
import { IsBoolean, IsEnum, IsOptional, IsUUID } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { ImmunizationStatus } from './immunization.entity';

@InputType({ description: "A vaccination as a clinician records it on the patient's chart (for the caller's organization)" })
export class RecordImmunizationInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => CodingInput, { description: 'The vaccine: CVX (http://hl7.org/fhir/sid/cvx)' }) @Nested(() => CodingInput) vaccineCode!: CodingInput;
  @Field(() => ImmunizationStatus, { nullable: true, description: 'COMPLETED when left out' }) @IsOptional() @IsEnum(ImmunizationStatus) status?: ImmunizationStatus | null;
  @Field(() => Date, { description: 'When it was given; not in the future' }) occurredAt!: Date;
  @Field(() => Boolean, { nullable: true, description: 'false when the vaccination is reported rather than given or witnessed by the recorder; true when left out' })
  @IsOptional() @IsBoolean() primarySource?: boolean | null;
  @Field(() => ID, { nullable: true, description: "The patient's encounter it was given in, if any" }) @IsOptional() @IsUUID() encounterId?: string | null;
}

/** `from`/`to` apply to occurredAt; `code` is the vaccine's code; `organizationId` where it was recorded. */
@ArgsType()
export class PatientImmunizationsArgs extends ChartListArgs {
  @Field(() => ImmunizationStatus, { nullable: true }) @IsOptional() @IsEnum(ImmunizationStatus) status?: ImmunizationStatus | null;
}
