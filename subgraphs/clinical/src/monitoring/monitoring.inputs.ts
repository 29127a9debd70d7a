import { CodingInput, Nested, PageArgs } from '@caregraph/platform';
import {
  ArrayMaxSize, ArrayMinSize, IsEnum, IsNumber, IsOptional, IsString, IsUUID, Matches, MaxLength,
} from 'class-validator';
import { ArgsType, Field, Float, ID, InputType } from 'type-graphql';
import { RecordObservationComponentInput } from '../results/observation/observation.inputs';
import { UCUM_CODE } from '../results/shared/quantity';
import { MonitoringAlertStatus } from './monitoring-alert.entity';

/** Most readings one batch (mutation or POST /devices/readings) may carry. */
export const MAX_READINGS_PER_BATCH = 500;

/** A device's identifiers as sent: 1-128 characters, no leading or trailing whitespace. */
const DEVICE_TOKEN = /^\S(?:.{0,126}\S)?$/;

@InputType({ description: 'The device a batch of readings comes from' })
export class DeviceInput {
  @Field({ description: "The device's own identifier, e.g. its serial number (1-128 characters)" })
  @IsString() @Matches(DEVICE_TOKEN, { message: 'identifier must be 1-128 characters without surrounding spaces' })
  identifier!: string;

  @Field(() => CodingInput, { nullable: true, description: 'What kind of device, e.g. SNOMED CT 70665002 "Blood pressure cuff"' })
  @IsOptional() @Nested(() => CodingInput)
  type?: CodingInput | null;

  @Field(() => String, { nullable: true, description: 'A name to show for it, up to 200 characters' })
  @IsOptional() @IsString() @MaxLength(200)
  name?: string | null;
}

/**
 * One reading, checked like a clinician's entry of the same code: a known vital sign or lab code
 * (LOINC), its UCUM unit, a physically possible value, not in the future; a blood pressure panel
 * (85354-9) as its systolic and diastolic components.
 */
@InputType({ description: 'One device reading: a measurement (value + UCUM unit) or a panel of components (blood pressure)' })
export class DeviceReadingInput {
  @Field({ description: "The device's own id of this reading (1-128 characters): a reading sent again with the same id is a duplicate" })
  @IsString() @Matches(DEVICE_TOKEN, { message: 'readingId must be 1-128 characters without surrounding spaces' })
  readingId!: string;

  @Field(() => CodingInput, { description: 'What was measured: a LOINC coding (system http://loinc.org) of a known vital sign or lab code' })
  @Nested(() => CodingInput)
  code!: CodingInput;

  @Field(() => Float, { nullable: true, description: 'The measurement, in unit' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false })
  value?: number | null;

  @Field(() => String, { nullable: true, description: 'The UCUM unit of value, e.g. "kg", "mg/dL", "/min"' })
  @IsOptional() @Matches(UCUM_CODE, { message: 'unit must be a UCUM code' })
  unit?: string | null;

  @Field(() => [RecordObservationComponentInput], { nullable: true, description: 'The parts of a panel: systolic (8480-6) and diastolic (8462-4) of a blood pressure (85354-9)' })
  @IsOptional() @ArrayMaxSize(20) @Nested(() => RecordObservationComponentInput)
  components?: RecordObservationComponentInput[] | null;

  @Field(() => Date, { description: 'When it was measured: a real instant with its time zone, not in the future, not before 1900' })
  effectiveAt!: Date;
}

@InputType({ description: `Readings of one device for one patient, at most ${MAX_READINGS_PER_BATCH}: all checked first, then stored together or not at all` })
export class RecordDeviceReadingsInput {
  @Field(() => ID) @IsUUID() patientId!: string;

  @Field(() => DeviceInput) @Nested(() => DeviceInput) device!: DeviceInput;

  @Field(() => [DeviceReadingInput])
  @ArrayMinSize(1) @ArrayMaxSize(MAX_READINGS_PER_BATCH) @Nested(() => DeviceReadingInput)
  readings!: DeviceReadingInput[];
}

@InputType({ description: "Limits for one patient's readings of one code, for the caller's organization (setting them again replaces them)" })
export class SetMonitoringThresholdInput {
  @Field(() => ID) @IsUUID() patientId!: string;

  @Field({ description: 'A LOINC code of a known measurement: 29463-7 body weight, 2339-0 glucose, 8867-4 heart rate, 8480-6 systolic and 8462-4 diastolic blood pressure, ...' })
  @IsString() @MaxLength(16)
  code!: string;

  @Field(() => Float, { nullable: true, description: 'Readings below it raise a LOW alert' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false })
  low?: number | null;

  @Field(() => Float, { nullable: true, description: 'Readings above it raise a HIGH alert' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false })
  high?: number | null;

  @Field({ description: 'The UCUM unit of low and high: must be the unit readings of the code come in (e.g. "mm[Hg]", "kg", "mg/dL")' })
  @Matches(UCUM_CODE, { message: 'unit must be a UCUM code' })
  unit!: string;
}

/** A list of alerts, newest first. */
@ArgsType()
export class MonitoringAlertsArgs extends PageArgs {
  @Field(() => MonitoringAlertStatus, { nullable: true, description: 'Only alerts in this status (OPEN: the worklist); all when null' })
  @IsOptional() @IsEnum(MonitoringAlertStatus)
  status?: MonitoringAlertStatus | null;
}
