import { IsOptional, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: "A note on the chart of a patient the caller may see, written for the caller's organization" })
export class WriteClinicalNoteInput {
  @Field(() => ID) @IsUUID() patientId!: string;
  @Field(() => String, { description: '1-200 characters' }) @MinLength(1) @MaxLength(200) title!: string;
  @Field(() => String, { description: '1-20,000 characters' }) @MinLength(1) @MaxLength(20000) text!: string;
  @Field(() => ID, { nullable: true, description: 'The encounter of this patient the note belongs to, if any' }) @IsOptional() @IsUUID() encounterId?: string | null;
}

@InputType({ description: 'An edit of a note by its author: a new title and/or text, naming the version it replaces' })
export class UpdateClinicalNoteInput {
  @Field(() => ID) @IsUUID() id!: string;
  @Field(() => Int, { description: 'The version the edit is based on; another edit saved since then makes this one a CONFLICT' })
  @Min(1) @Max(2_000_000_000)
  expectedVersion!: number;
  @Field(() => String, { nullable: true, description: '1-200 characters; left out: unchanged' }) @IsOptional() @MinLength(1) @MaxLength(200) title?: string | null;
  @Field(() => String, { nullable: true, description: '1-20,000 characters; left out: unchanged' }) @IsOptional() @MinLength(1) @MaxLength(20000) text?: string | null;
}
