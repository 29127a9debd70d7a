import { IsString, IsUUID, Length } from 'class-validator';
import { ArgsType, Field, ID } from 'type-graphql';

@ArgsType()
export class BreakGlassArgs {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => String, { description: 'Why emergency access is needed (10-500 characters). Kept with the access, never logged.' })
  @IsString() @Length(10, 500, { message: 'reason must be 10 to 500 characters' }) reason!: string;
}
