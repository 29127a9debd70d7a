import { CodingInput, Nested } from '@caregraph/platform';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ArgsType, Field, Float, ID, InputType, Int } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import { UCUM_CODE } from '../shared/quantity';
import { ObservationCategory, ObservationStatus } from './observation.entity';

/** `from`/`to` apply to effectiveAt; `code` is the observation's code (e.g. a LOINC code). */
@ArgsType()
export class PatientObservationsArgs extends ChartListArgs {
  @Field(() => ObservationStatus, { nullable: true }) @IsOptional() @IsEnum(ObservationStatus) status?: ObservationStatus | null;
  @Field(() => ObservationCategory, { nullable: true }) @IsOptional() @IsEnum(ObservationCategory) category?: ObservationCategory | null;
}


@InputType({ description: 'One part of a multi-part observation, e.g. the systolic pressure of a blood pressure' })
export class RecordObservationComponentInput {
  @Field(() => CodingInput, { description: 'A LOINC coding (system http://loinc.org)' }) @Nested(() => CodingInput) code!: CodingInput;
  @Field(() => Float, { nullable: true, description: 'A measurement, with its UCUM unit' }) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) value?: number | null;
  @Field(() => String, { nullable: true, description: 'The UCUM unit code of value' }) @IsOptional() @Matches(UCUM_CODE, { message: 'unit must be a UCUM code' }) unit?: string | null;
  @Field(() => CodingInput, { nullable: true, description: 'A coded value instead of a measurement' }) @IsOptional() @Nested(() => CodingInput) valueCoding?: CodingInput | null;
}

/**
 * One observation as a clinician enters it. Give one value: a measurement (value + unit, UCUM),
 * a coding, words, a yes/no or a whole number; or components (a blood pressure panel) and no value.
 */
@InputType({ description: "One observation of a clinician's entry (vitals, point-of-care results)" })
export class RecordObservationInput {
  @Field(() => CodingInput, { description: 'What was observed: a LOINC coding (system http://loinc.org)' }) @Nested(() => CodingInput) code!: CodingInput;
  @Field(() => ObservationCategory, { nullable: true, description: 'Defaults to the category of the known vital sign and lab codes; required for other codes' })
  @IsOptional() @IsEnum(ObservationCategory) category?: ObservationCategory | null;
  @Field(() => Date, { description: 'When it was observed (not in the future)' }) effectiveAt!: Date;
  @Field(() => Float, { nullable: true, description: 'A measurement (FHIR valueQuantity.value), with its UCUM unit' }) @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) value?: number | null;
  @Field(() => String, { nullable: true, description: 'The UCUM unit code of value, e.g. "kg", "mm[Hg]", "/min", "Cel"' }) @IsOptional() @Matches(UCUM_CODE, { message: 'unit must be a UCUM code' }) unit?: string | null;
  @Field(() => CodingInput, { nullable: true, description: 'A coded value (FHIR valueCodeableConcept)' }) @IsOptional() @Nested(() => CodingInput) valueCoding?: CodingInput | null;
  @Field(() => String, { nullable: true, description: 'A value in words (FHIR valueString), up to 2,000 characters' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(2000) valueString?: string | null;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() valueBoolean?: boolean | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() valueInteger?: number | null;
  @Field(() => [RecordObservationComponentInput], { nullable: true, description: 'The parts of a panel, e.g. systolic and diastolic of 85354-9' })
  @IsOptional() @ArrayMaxSize(20) @Nested(() => RecordObservationComponentInput) components?: RecordObservationComponentInput[] | null;
}

@InputType({ description: "A clinician's entry of observations for one patient: all are recorded, or none" })
export class RecordObservationsInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => ID, { nullable: true, description: "The encounter they were taken in: one of the patient's encounters at your organization" })
  @IsOptional() @IsUUID() encounterId?: string | null;
  @Field(() => [RecordObservationInput]) @ArrayMinSize(1) @ArrayMaxSize(50) @Nested(() => RecordObservationInput) observations!: RecordObservationInput[];
}
