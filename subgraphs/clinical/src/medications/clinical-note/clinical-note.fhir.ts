import { badInput, resourceId, tally, type BundleView, type IngestCounts } from '@caregraph/platform';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { CLINICAL_NOTE_CATEGORY, documentEncounterId, documentText, documentType, isDocumentOfType, textAttachment } from '../../fhir/documents';
import { fhirDateTime, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { ClinicalNote, ClinicalNoteStatus, ClinicalNoteVersion } from './clinical-note.entity';

/** LOINC 11506-3: the document type a caregraph note goes out as. */
const PROGRESS_NOTE = '11506-3';
/** LOINC 34133-9 documents are visit summaries (encounter/visit-summary.fhir.ts), not notes. */
const VISIT_SUMMARY = '34133-9';
/** Our user accounts, as a note's author names them (identity subgraph ids). */
export const CAREGRAPH_USER_SYSTEM = 'https://caregraph.dev/fhir/sid/user';
/**
 * The author of a note that came from elsewhere: no caregraph account wrote it, so none may edit
 * it (only a note's author may), and the UI names no one.
 */
export const IMPORTED_NOTE_AUTHOR = '00000000-0000-0000-0000-000000000000';
const TITLE_MAX = 200;

/**
 * A note as a FHIR DocumentReference: its current version (`meta.versionId`), the text as a
 * plain-text attachment titled like the note, the author as their practitioner record when the
 * account is linked to one, else as our user id.
 */
export function clinicalNoteToFhir(row: ClinicalNote): DocumentReference {
  const base = recordBase(row);
  return {
    resourceType: 'DocumentReference',
    ...base,
    meta: { ...base.meta, versionId: String(row.version) },
    status: row.status === ClinicalNoteStatus.ENTERED_IN_ERROR ? 'entered-in-error' : 'current',
    docStatus: 'final',
    type: documentType(PROGRESS_NOTE, 'Progress note'),
    category: [CLINICAL_NOTE_CATEGORY],
    subject: fhirReference('Patient', row.patientId),
    date: fhirDateTime(row.createdAt),
    author: [row.authorPractitionerId ? fhirReference('Practitioner', row.authorPractitionerId)! : { identifier: { system: CAREGRAPH_USER_SYSTEM, value: row.authorUserId } }],
    custodian: fhirReference('Organization', row.organizationId),
    description: row.title,
    content: [{ attachment: textAttachment(row.text, row.title) }],
    context: row.encounterId ? { encounter: [fhirReference('Encounter', row.encounterId)!] } : undefined,
  };
}

const STATUS: Record<string, ClinicalNoteStatus> = { current: ClinicalNoteStatus.CURRENT, 'entered-in-error': ClinicalNoteStatus.ENTERED_IN_ERROR };

/** Our row for one FHIR DocumentReference that is a note (the current text; earlier versions are not in a DocumentReference). */
export function clinicalNoteData(resource: DocumentReference, bundle: BundleView) {
  const { patientId, organizationId } = provenanceOf({ ...resource, encounter: resource.context?.encounter?.[0] }, bundle);
  const status = STATUS[resource.status];
  if (!status) throw badInput('DocumentReference.status', 'DocumentReference.status must be current or entered-in-error (superseded versions are not imported)');
  const authors = resource.author ?? [];
  const userId = authors.find((author) => author.identifier?.system === CAREGRAPH_USER_SYSTEM)?.identifier?.value;
  const practitioner = authors.map((author) => bundle.resolve(author.reference)).find((id) => id && bundle.byId.get(id)?.resourceType === 'Practitioner');
  const title = (resource.description ?? resource.content?.[0]?.attachment?.title ?? resource.type?.text ?? 'Clinical note').trim().slice(0, TITLE_MAX) || 'Clinical note';
  const version = Number(resource.meta?.versionId ?? 1);
  const written = resource.date ? new Date(resource.date) : null;
  return {
    patientId,
    organizationId,
    encounterId: documentEncounterId(resource, bundle),
    authorUserId: userId && /^[0-9a-f-]{36}$/i.test(userId) ? userId.toLowerCase() : IMPORTED_NOTE_AUTHOR,
    authorPractitionerId: practitioner ?? null,
    title,
    text: documentText(resource),
    status,
    version: Number.isInteger(version) && version >= 1 ? version : 1,
    ...(written && !Number.isNaN(written.getTime()) ? { createdAt: written } : {}),
  };
}

/**
 * Clinical notes in and out as DocumentReference (every DocumentReference but a visit summary).
 * In: the note as its current version, and that version kept among its versions (a note written
 * elsewhere starts its history here).
 */
export const clinicalNoteMapper: FhirMapper = {
  resourceType: 'DocumentReference',
  async ingest(em, resources, bundle): Promise<IngestCounts> {
    const counts: IngestCounts = {};
    const notes = (resources as DocumentReference[]).filter((resource) => resource.resourceType === 'DocumentReference' && !isDocumentOfType(resource, VISIT_SUMMARY));
    if (!notes.length) return counts;
    const ids = notes.map((resource) => {
      if (!resource.id) throw badInput('DocumentReference.id', 'DocumentReference.id is required');
      return resourceId('DocumentReference', resource.id);
    });
    const stored = new Map((await em.find(ClinicalNote, { id: { $in: ids } })).map((note) => [note.id, note]));
    const versions = new Set((await em.find(ClinicalNoteVersion, { note: { $in: ids } })).map((row) => `${row.note.id}/${row.version}`));
    notes.forEach((resource, index) => {
      const data = clinicalNoteData(resource, bundle);
      const existing = stored.get(ids[index]);
      const note = existing ? em.assign(existing, data) : em.create(ClinicalNote, { id: ids[index], ...data });
      if (!versions.has(`${note.id}/${note.version}`)) {
        em.create(ClinicalNoteVersion, { note, version: note.version, title: note.title, text: note.text, authorUserId: note.authorUserId, createdAt: note.createdAt });
      }
      tally(counts, 'DocumentReference', !existing);
    });
    await em.flush();
    return counts;
  },
  export: { entity: ClinicalNote, toFhir: clinicalNoteToFhir },
};
