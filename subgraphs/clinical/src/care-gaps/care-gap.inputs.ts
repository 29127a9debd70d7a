import { PageArgs } from '@caregraph/platform';
import { IsBoolean, IsEnum, IsOptional, Matches } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { CareGapStatus } from './care-gap.types';

@ArgsType()
export class PatientCareGapsArgs {
  @Field(() => Date, { nullable: true, description: 'The day statuses are taken on (its UTC date); default now' })
  asOf?: Date | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Also the rules that are met (not due soon)' })
  @IsBoolean()
  includeMet: boolean = false;

  @Field(() => Boolean, { defaultValue: false, description: 'Also the rules that do not apply to the patient, with the reason (e.g. birth date unknown)' })
  @IsBoolean()
  includeNotApplicable: boolean = false;
}

@ArgsType()
export class CareGapPatientsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only gaps of this rule (CareGapRule.code)' })
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'ruleCode must be a care gap rule code such as influenza-vaccine' })
  ruleCode?: string | null;

  @Field(() => CareGapStatus, { nullable: true, description: 'DUE or OVERDUE only; default both' })
  @IsOptional() @IsEnum(CareGapStatus)
  status?: CareGapStatus | null;

  @Field(() => Date, { nullable: true, description: 'The day statuses are taken on (its UTC date); default now' })
  asOf?: Date | null;
}
