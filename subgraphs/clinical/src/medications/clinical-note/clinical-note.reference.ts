import type { ClinicalContext } from '../../context';
import { ClinicalNoteService } from './clinical-note.service';

/** `_entities` resolution for ClinicalNote. */
export const clinicalNoteReference = {
  ClinicalNote: {
    __resolveReference: (ref: { id: string }, ctx: ClinicalContext) => ClinicalNoteService.of(ctx).loader.load(ref.id),
  },
};
