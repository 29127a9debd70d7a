import { Coding, CodingInput, Nested } from '@caregraph/platform';
import { IsOptional, IsUUID } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { DatePeriod, DatePeriodInput } from '../shared/period';

/** A license, board certification or degree (FHIR Practitioner.qualification), stored as jsonb. */
@ObjectType({ description: 'A license, certification or degree of a practitioner' })
export class PractitionerQualification {
  @Field(() => Coding) code!: Coding;
  /** Id of the issuing Organization; `issuer` resolves it. */
  @Field(() => ID, { nullable: true }) issuerId?: string | null;
  @Field(() => DatePeriod, { nullable: true }) period?: DatePeriod | null;
}

@InputType()
export class PractitionerQualificationInput {
  @Field(() => CodingInput) @Nested(() => CodingInput) code!: CodingInput;
  @Field(() => ID, { nullable: true, description: 'Issuing organization' }) @IsOptional() @IsUUID() issuerId?: string | null;
  @Field(() => DatePeriodInput, { nullable: true }) @IsOptional() @Nested(() => DatePeriodInput) period?: DatePeriodInput | null;
}
