import { declareReadNeeds, ConnectionType, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { ChartListArgs } from '../../chart/chart-list';
import type { ClinicalContext } from '../../context';
import { PatientRef, PractitionerRef } from '../../stubs';
import { ClinicalNote, ClinicalNoteVersion } from './clinical-note.entity';
import { UpdateClinicalNoteInput, WriteClinicalNoteInput } from './clinical-note.inputs';
import { ClinicalNoteService } from './clinical-note.service';

@ObjectType()
export class ClinicalNoteConnection extends ConnectionType(ClinicalNote) {}

@Resolver(() => ClinicalNote)
export class ClinicalNoteResolver {
  @Query(() => ClinicalNote, { nullable: true, description: 'One clinical note by id (null when unknown or not visible to the caller)' })
  clinicalNote(@Arg('id', () => ID) id: string, @Ctx() ctx: ClinicalContext): Promise<ClinicalNote | null> {
    return ClinicalNoteService.of(ctx).loader.load(id);
  }

  @Mutation(() => ClinicalNote, {
    description: "Writes a note (version 1) on the chart of a patient the caller may see, for the caller's organization. Physicians and nurses only.",
  })
  writeClinicalNote(@Arg('input', () => WriteClinicalNoteInput) input: WriteClinicalNoteInput, @Ctx() ctx: ClinicalContext): Promise<ClinicalNote> {
    return ClinicalNoteService.of(ctx).write(input);
  }

  @Mutation(() => ClinicalNote, {
    description: 'Edits a note: only its author may (FORBIDDEN for anyone else, colleagues of the same organization included). '
      + 'expectedVersion must be the current version: otherwise CONFLICT with extensions { field: "expectedVersion", currentVersion }. '
      + 'The previous text stays in versions.',
  })
  updateClinicalNote(@Arg('input', () => UpdateClinicalNoteInput) input: UpdateClinicalNoteInput, @Ctx() ctx: ClinicalContext): Promise<ClinicalNote> {
    return ClinicalNoteService.of(ctx).update(input);
  }

  @FieldResolver(() => [ClinicalNoteVersion], { description: 'Every saved version, newest first (the first is the current text)' })
  versions(@Root() note: ClinicalNote, @Ctx() ctx: ClinicalContext): Promise<ClinicalNoteVersion[]> {
    return ClinicalNoteService.of(ctx).versionsOf(note);
  }

  @FieldResolver(() => PractitionerRef, { nullable: true, description: "The author's practitioner record: null until accounts are linked to practitioners" })
  authorPractitioner(@Root() note: ClinicalNote): PractitionerRef | null {
    return note.authorPractitionerId ? { id: note.authorPractitionerId } : null;
  }
}

@Resolver(() => PatientRef)
export class PatientClinicalNotesResolver {
  @FieldResolver(() => ClinicalNoteConnection, { nullable: true, description: "The patient's clinical notes, newest first (by when they were written)" })
  clinicalNotes(@Root() patient: PatientRef, @Args() args: ChartListArgs, @Ctx() ctx: ClinicalContext, @Info() info: GraphQLResolveInfo) {
    return ClinicalNoteService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(ClinicalNote, { fields: { versions: [], authorPractitioner: ['authorPractitionerId'] } });
