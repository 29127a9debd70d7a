import { IsEnum, IsOptional, IsUUID } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { ConsentCategory } from './consent.entity';

@InputType()
export class GrantConsentInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => ID, { description: 'The organization allowed to see' }) @IsUUID() organizationId!: string;
  @Field(() => ConsentCategory) @IsEnum(ConsentCategory) category!: ConsentCategory;
  @Field(() => Date, { nullable: true, description: 'Must be in the future; no expiry when absent' }) @IsOptional() expiresAt?: Date | null;
}
