import { badInput, type BundleView } from '@caregraph/platform';
import type { Attachment, DocumentReference } from '@medplum/fhirtypes';
import { LOINC } from '../results/shared/codes';

/*
 * Authored text (clinical notes, visit summaries) travels in FHIR as DocumentReference: the text as
 * a plain-text attachment, the kind of document as a LOINC document type. What both share is here.
 */

/** US Core's DocumentReference category for clinical notes. */
export const CLINICAL_NOTE_CATEGORY = {
  coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }],
};
export const PLAIN_TEXT = 'text/plain; charset=utf-8';

/** A LOINC document type as a CodeableConcept. */
export const documentType = (code: string, display: string) => ({ coding: [{ system: LOINC, code, display }], text: display });

/** Whether the DocumentReference is of the LOINC document type `code`. */
export const isDocumentOfType = (resource: DocumentReference, code: string): boolean =>
  (resource.type?.coding ?? []).some((coding) => coding.system === LOINC && coding.code === code);

/** Text as a FHIR attachment (base64, as FHIR carries attachment data). */
export const textAttachment = (text: string, title?: string): Attachment => ({
  contentType: PLAIN_TEXT,
  data: Buffer.from(text, 'utf8').toString('base64'),
  ...(title ? { title } : {}),
});

/** The text of a DocumentReference's first attachment, which must be plain text carried in the resource; BAD_USER_INPUT naming it otherwise. */
export function documentText(resource: DocumentReference): string {
  const attachment = resource.content?.[0]?.attachment;
  const field = 'DocumentReference.content[0].attachment';
  if (!attachment?.data) throw badInput(field, `${field} must carry its text as data (a URL to fetch it from is not read)`);
  if (attachment.contentType && !/^text\/plain\b/i.test(attachment.contentType)) throw badInput(`${field}.contentType`, `${field}.contentType must be text/plain`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(attachment.data)) throw badInput(`${field}.data`, `${field}.data must be base64`);
  return Buffer.from(attachment.data, 'base64').toString('utf8');
}

/** The encounter a DocumentReference belongs to (context.encounter), as our id, or null. */
export const documentEncounterId = (resource: DocumentReference, bundle: BundleView): string | null =>
  bundle.resolve(resource.context?.encounter?.[0]?.reference) ?? null;
