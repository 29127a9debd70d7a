import { badInput, codingsOf, fhirInstant, firstCodingOf, type BundleView } from '@caregraph/platform';
import type { AllergyIntolerance as FhirAllergyIntolerance } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirConcepts, fhirDateTime, fhirReference, fhirStatusConcept, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { conceptCode, fhirCode } from '../shared';
import {
  AllergyCategory, AllergyClinicalStatus, AllergyCriticality, AllergyIntolerance, AllergyReactionSeverity, AllergyType, AllergyVerificationStatus, type AllergyReaction,
} from './allergy.entity';

const CLINICAL_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
const VERIFICATION_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
const CLINICAL_STATUSES = Object.values(AllergyClinicalStatus);
const VERIFICATION_STATUSES = Object.values(AllergyVerificationStatus);
const TYPES = Object.values(AllergyType);
const CATEGORIES = Object.values(AllergyCategory);
const CRITICALITIES = Object.values(AllergyCriticality);
const SEVERITIES = Object.values(AllergyReactionSeverity);

/** Our row for one FHIR AllergyIntolerance. */
export function allergyData(resource: FhirAllergyIntolerance, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  const code = firstCodingOf(resource.code);
  if (!code) throw badInput('AllergyIntolerance.code', 'AllergyIntolerance.code must have a coding with a code');
  const onsetAt = fhirInstant(resource.onsetDateTime, 'AllergyIntolerance.onsetDateTime') ?? fhirInstant(resource.onsetPeriod?.start, 'AllergyIntolerance.onsetPeriod.start');
  // the list's sort key must never be null (keyset cursors)
  const recordedAt = fhirInstant(resource.recordedDate, 'AllergyIntolerance.recordedDate') ?? onsetAt;
  if (!recordedAt) throw badInput('AllergyIntolerance.recordedDate', 'AllergyIntolerance needs a recordedDate or an onsetDateTime');
  const categories = (resource.category ?? []).map((category) => fhirCode(category, CATEGORIES, 'AllergyIntolerance.category')!);
  const reactions: AllergyReaction[] = (resource.reaction ?? []).map((reaction) => ({
    manifestations: codingsOf(reaction.manifestation),
    severity: fhirCode(reaction.severity, SEVERITIES, 'AllergyIntolerance.reaction.severity'),
  }));
  return {
    patientId,
    encounterId,
    organizationId,
    code,
    codeValue: code.code,
    clinicalStatus: conceptCode(resource.clinicalStatus, 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', CLINICAL_STATUSES, 'AllergyIntolerance.clinicalStatus'),
    verificationStatus: conceptCode(resource.verificationStatus, 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', VERIFICATION_STATUSES, 'AllergyIntolerance.verificationStatus'),
    type: fhirCode(resource.type, TYPES, 'AllergyIntolerance.type'),
    categories: [...new Set(categories)],
    criticality: fhirCode(resource.criticality, CRITICALITIES, 'AllergyIntolerance.criticality'),
    reactions,
    onsetAt,
    recordedAt,
  };
}

/** Our row as a FHIR AllergyIntolerance: what allergyData reads back into the same row. */
export function allergyToFhir(row: AllergyIntolerance): FhirAllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    ...recordBase(row),
    clinicalStatus: fhirStatusConcept(CLINICAL_STATUS_SYSTEM, row.clinicalStatus),
    verificationStatus: fhirStatusConcept(VERIFICATION_STATUS_SYSTEM, row.verificationStatus),
    type: row.type ?? undefined,
    category: row.categories,
    criticality: row.criticality ?? undefined,
    code: fhirConcept(row.code),
    patient: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    onsetDateTime: fhirDateTime(row.onsetAt),
    recordedDate: fhirDateTime(row.recordedAt),
    reaction: row.reactions.map((reaction) => ({
      manifestation: fhirConcepts(reaction.manifestations),
      severity: reaction.severity ?? undefined,
    })),
  };
}

/** The AllergyIntolerance side of the import and the export. */
export const allergyMapper: FhirMapper = {
  resourceType: 'AllergyIntolerance',
  ingest: (em, resources, bundle) =>
    upsertResources(em, AllergyIntolerance, 'AllergyIntolerance', resources, (resource: FhirAllergyIntolerance) => allergyData(resource, bundle)),
  export: { entity: AllergyIntolerance, toFhir: allergyToFhir },
};
