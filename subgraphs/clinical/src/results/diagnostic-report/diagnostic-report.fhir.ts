import { badInput, codingsOf, fhirInstant, type BundleView } from '@caregraph/platform';
import type { Attachment, DiagnosticReport as FhirDiagnosticReport } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirConcepts, fhirDateTime, fhirEffective, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { LOINC, primaryCoding } from '../shared/codes';
import { DIAGNOSTIC_REPORT_STATUS_CODES, DiagnosticReport, type DiagnosticReportStatus } from './diagnostic-report.entity';

/** Longest report text kept (a rendering, not a document store). */
const MAX_PRESENTED_TEXT = 100_000;

/** The text of the first plain-text attachment with inline data (FHIR presentedForm), or null. */
export function presentedText(forms: readonly Attachment[] | undefined): string | null {
  const form = (forms ?? []).find((attachment) => /^text\/plain\b/i.test(attachment.contentType ?? '') && attachment.data);
  if (!form?.data) return null;
  const text = Buffer.from(form.data, 'base64').toString('utf8').trim();
  return text ? text.slice(0, MAX_PRESENTED_TEXT) : null;
}

/** Our ids of the Observations a report lists (references outside the bundle, e.g. absolute URLs, are left out), without duplicates. */
function resultIdsOf(resource: FhirDiagnosticReport, bundle: BundleView): string[] {
  const ids = (resource.result ?? []).map((reference) => bundle.resolve(reference.reference)).filter((id): id is string => Boolean(id));
  return [...new Set(ids)];
}

/** Our row for one FHIR DiagnosticReport. */
export function diagnosticReportData(resource: FhirDiagnosticReport, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  if (!DIAGNOSTIC_REPORT_STATUS_CODES.includes(resource.status)) throw badInput('DiagnosticReport.status', 'DiagnosticReport.status is not a FHIR diagnostic report status');
  const code = primaryCoding(resource.code, LOINC);
  if (!code) throw badInput('DiagnosticReport.code', 'DiagnosticReport.code must have a coding');
  const effectiveDateTime = fhirInstant(resource.effectiveDateTime, 'DiagnosticReport.effectiveDateTime');
  const periodStart = fhirInstant(resource.effectivePeriod?.start, 'DiagnosticReport.effectivePeriod.start');
  const periodEnd = fhirInstant(resource.effectivePeriod?.end, 'DiagnosticReport.effectivePeriod.end');
  const issuedAt = fhirInstant(resource.issued, 'DiagnosticReport.issued');
  // lists sort on it: never null
  const effectiveAt = effectiveDateTime ?? periodStart ?? issuedAt;
  if (!effectiveAt) throw badInput('DiagnosticReport.effective', 'DiagnosticReport needs effectiveDateTime, effectivePeriod.start or issued');
  if (periodEnd && periodEnd < effectiveAt) throw badInput('DiagnosticReport.effectivePeriod.end', 'DiagnosticReport.effectivePeriod.end is before its start');
  const categories = codingsOf(resource.category);

  return {
    patientId,
    encounterId,
    organizationId,
    status: resource.status as DiagnosticReportStatus,
    categories,
    category: categories[0]?.code ?? null,
    code,
    codeValue: code.code,
    effectiveAt,
    effectiveEnd: periodEnd,
    issuedAt,
    conclusion: resource.conclusion?.trim() || null,
    conclusionCodes: codingsOf(resource.conclusionCode),
    resultIds: resultIdsOf(resource, bundle),
    presentedFormText: presentedText(resource.presentedForm),
  };
}

/** The stored report text as the plain-text attachment presentedText reads. */
const plainTextForm = (text: string | null | undefined): Attachment[] | undefined =>
  text ? [{ contentType: 'text/plain; charset=utf-8', data: Buffer.from(text, 'utf8').toString('base64') }] : undefined;

/** Our row as a FHIR DiagnosticReport: what diagnosticReportData reads back into the same row. */
export function diagnosticReportToFhir(row: DiagnosticReport): FhirDiagnosticReport {
  return {
    resourceType: 'DiagnosticReport',
    ...recordBase(row),
    status: row.status,
    category: fhirConcepts(row.categories),
    code: fhirConcept(row.code)!,
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    ...fhirEffective(row.effectiveAt, row.effectiveEnd),
    issued: fhirDateTime(row.issuedAt),
    // in report order; the patient's Observations are in the same export
    result: row.resultIds.map((id) => fhirReference('Observation', id)!),
    conclusion: row.conclusion ?? undefined,
    conclusionCode: fhirConcepts(row.conclusionCodes),
    presentedForm: plainTextForm(row.presentedFormText),
  };
}

/** The DiagnosticReport side of the import and the export. */
export const diagnosticReportMapper: FhirMapper = {
  resourceType: 'DiagnosticReport',
  ingest: (em, resources, bundle) =>
    upsertResources(em, DiagnosticReport, 'DiagnosticReport', resources, (resource: FhirDiagnosticReport) => diagnosticReportData(resource, bundle)),
  export: { entity: DiagnosticReport, toFhir: diagnosticReportToFhir },
};
