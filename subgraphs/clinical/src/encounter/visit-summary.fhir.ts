import { badInput, resourceId, tally, type IngestCounts } from '@caregraph/platform';
import type { DocumentReference } from '@medplum/fhirtypes';
import type { FhirMapper } from '../feature';
import { CLINICAL_NOTE_CATEGORY, documentEncounterId, documentText, documentType, isDocumentOfType, textAttachment } from '../fhir/documents';
import { fhirDateTime, fhirReference, recordBase } from '../fhir/export';
import { Encounter } from './encounter.entity';

/** LOINC 34133-9: the document type of a visit summary. */
const VISIT_SUMMARY = '34133-9';

/** The id of an encounter's visit summary as a document: derived from the encounter's, so it is the same on every export. */
export const visitSummaryId = (encounterId: string): string => resourceId('DocumentReference', `visit-summary/${encounterId}`);

/**
 * An encounter's visit summary as a FHIR DocumentReference (R4 Encounter has no element for it):
 * a "Summary of episode note" of the encounter, its text as a plain-text attachment.
 */
export function visitSummaryToFhir(row: Encounter): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    ...recordBase(row),
    id: visitSummaryId(row.id),
    status: 'current',
    type: documentType(VISIT_SUMMARY, 'Summary of episode note'),
    category: [CLINICAL_NOTE_CATEGORY],
    subject: fhirReference('Patient', row.patientId),
    custodian: fhirReference('Organization', row.organizationId),
    content: [{ attachment: textAttachment(row.visitSummary ?? '') }],
    context: { encounter: [fhirReference('Encounter', row.id)!], period: { start: fhirDateTime(row.periodStart), end: fhirDateTime(row.periodEnd) } },
  };
}

/**
 * Visit summaries in and out. In: a DocumentReference of type 34133-9 sets the summary of the
 * encounter it names (which the bundle or the database must hold, for the same patient). Other
 * DocumentReferences are clinical notes (clinical-note.fhir.ts).
 */
export const visitSummaryMapper: FhirMapper = {
  resourceType: 'DocumentReference',
  async ingest(em, resources, bundle): Promise<IngestCounts> {
    const counts: IngestCounts = {};
    const summaries = (resources as DocumentReference[]).filter((resource) => resource.resourceType === 'DocumentReference' && isDocumentOfType(resource, VISIT_SUMMARY));
    for (const resource of summaries) {
      const encounterId = documentEncounterId(resource, bundle);
      const encounter = encounterId ? await em.findOne(Encounter, { id: encounterId }) : null;
      if (!encounter || encounter.patientId !== bundle.resolve(resource.subject?.reference)) {
        throw badInput('DocumentReference.context.encounter', 'a visit summary must name an encounter of its subject');
      }
      tally(counts, 'DocumentReference', !encounter.visitSummary);
      encounter.visitSummary = documentText(resource);
    }
    await em.flush();
    return counts;
  },
  export: { entity: Encounter, where: { visitSummary: { $ne: null } }, toFhir: visitSummaryToFhir },
};
