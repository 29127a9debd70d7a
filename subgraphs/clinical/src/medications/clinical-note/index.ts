import type { ClinicalFeature } from '../../feature';
import { ClinicalNote, ClinicalNoteVersion } from './clinical-note.entity';
import { clinicalNoteReference } from './clinical-note.reference';
import { ClinicalNoteResolver, PatientClinicalNotesResolver } from './clinical-note.resolver';

/** Clinical notes written in caregraph (no FHIR import), versioned. */
export const clinicalNoteFeature: ClinicalFeature = {
  entities: [ClinicalNote, ClinicalNoteVersion],
  resolvers: [ClinicalNoteResolver, PatientClinicalNotesResolver],
  referenceResolvers: clinicalNoteReference,
};
