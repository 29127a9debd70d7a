import { badInput, fhirInstant, firstCodingOf, type BundleView } from '@caregraph/platform';
import type { Condition as FhirCondition } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirDateTime, fhirReference, fhirStatusConcept, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { conceptCode, practitionerIdOf } from '../shared';
import { Condition, ConditionCategory, ConditionClinicalStatus, ConditionVerificationStatus } from './condition.entity';

const CLINICAL_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
const VERIFICATION_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CLINICAL_STATUSES = Object.values(ConditionClinicalStatus);
const VERIFICATION_STATUSES = Object.values(ConditionVerificationStatus);
const CATEGORIES = Object.values(ConditionCategory);
const CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-category';

/**
 * The category we keep: the first coding of Condition.category that is one of ours (problem-list
 * item or encounter diagnosis); problem-list-item when the source has none. A category given but
 * outside that value set (e.g. US Core's health-concern) is refused rather than misfiled.
 */
function categoryOf(resource: FhirCondition): ConditionCategory {
  const codings = (resource.category ?? []).flatMap((concept) => concept.coding ?? []).filter((coding) => coding.code);
  if (!codings.length) return ConditionCategory.PROBLEM_LIST_ITEM;
  const ours = codings.find((coding) => (!coding.system || coding.system === CATEGORY_SYSTEM) && CATEGORIES.includes(coding.code as ConditionCategory));
  if (!ours) throw badInput('Condition.category', `Condition.category must be one of ${CATEGORIES.join(', ')}`);
  return ours.code as ConditionCategory;
}

/** Our row for one FHIR Condition. */
export function conditionData(resource: FhirCondition, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  const code = firstCodingOf(resource.code);
  if (!code) throw badInput('Condition.code', 'Condition.code must have a coding with a code');
  const onsetAt = fhirInstant(resource.onsetDateTime, 'Condition.onsetDateTime') ?? fhirInstant(resource.onsetPeriod?.start, 'Condition.onsetPeriod.start');
  const abatementAt = fhirInstant(resource.abatementDateTime, 'Condition.abatementDateTime') ?? fhirInstant(resource.abatementPeriod?.start, 'Condition.abatementPeriod.start');
  if (onsetAt && abatementAt && abatementAt < onsetAt) throw badInput('Condition.abatementDateTime', 'Condition.abatement is before its onset');
  // the list's sort key must never be null (keyset cursors)
  const recordedAt = fhirInstant(resource.recordedDate, 'Condition.recordedDate') ?? onsetAt;
  if (!recordedAt) throw badInput('Condition.recordedDate', 'Condition needs a recordedDate or an onsetDateTime');
  return {
    patientId,
    encounterId,
    organizationId,
    code,
    codeValue: code.code,
    clinicalStatus: conceptCode(resource.clinicalStatus, CLINICAL_STATUS_SYSTEM, CLINICAL_STATUSES, 'Condition.clinicalStatus'),
    verificationStatus: conceptCode(resource.verificationStatus, VERIFICATION_STATUS_SYSTEM, VERIFICATION_STATUSES, 'Condition.verificationStatus'),
    category: categoryOf(resource),
    onsetAt,
    abatementAt,
    recordedAt,
    asserterPractitionerId: practitionerIdOf(resource.asserter, bundle),
  };
}

/** Our row as a FHIR Condition: what conditionData reads back into the same row. */
export function conditionToFhir(row: Condition): FhirCondition {
  return {
    resourceType: 'Condition',
    ...recordBase(row),
    clinicalStatus: fhirStatusConcept(CLINICAL_STATUS_SYSTEM, row.clinicalStatus),
    verificationStatus: fhirStatusConcept(VERIFICATION_STATUS_SYSTEM, row.verificationStatus),
    category: [fhirStatusConcept(CATEGORY_SYSTEM, row.category)!],
    code: fhirConcept(row.code),
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    onsetDateTime: fhirDateTime(row.onsetAt),
    abatementDateTime: fhirDateTime(row.abatementAt),
    recordedDate: fhirDateTime(row.recordedAt),
    asserter: fhirReference('Practitioner', row.asserterPractitionerId),
  };
}

/** The Condition side of the import and the export. */
export const conditionMapper: FhirMapper = {
  resourceType: 'Condition',
  ingest: (em, resources, bundle) => upsertResources(em, Condition, 'Condition', resources, (resource: FhirCondition) => conditionData(resource, bundle)),
  export: { entity: Condition, toFhir: conditionToFhir },
};
