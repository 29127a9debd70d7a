import type { ClinicalFeature } from '../../feature';
import { ClinicalNote, ClinicalNoteVersion } from './clinical-note.entity';
import { clinicalNoteMapper } from './clinical-note.fhir';
import { clinicalNoteReference } from './clinical-note.reference';
import { ClinicalNoteResolver, PatientClinicalNotesResolver } from './clinical-note.resolver';

/** Clinical notes, versioned; in and out of FHIR as DocumentReference. */
export const clinicalNoteFeature: ClinicalFeature = {
  entities: [ClinicalNote, ClinicalNoteVersion],
  resolvers: [ClinicalNoteResolver, PatientClinicalNotesResolver],
  referenceResolvers: clinicalNoteReference,
  fhir: [clinicalNoteMapper],
};
