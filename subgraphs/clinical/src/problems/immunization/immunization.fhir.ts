import { badInput, fhirInstant, firstCodingOf, type BundleView } from '@caregraph/platform';
import type { Immunization as FhirImmunization } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirDateTime, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { fhirCode } from '../shared';
import { Immunization, ImmunizationStatus } from './immunization.entity';

const STATUSES = Object.values(ImmunizationStatus);

/** Our row for one FHIR Immunization. */
export function immunizationData(resource: FhirImmunization, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  const vaccineCode = firstCodingOf(resource.vaccineCode);
  if (!vaccineCode) throw badInput('Immunization.vaccineCode', 'Immunization.vaccineCode must have a coding with a code');
  const status = fhirCode(resource.status, STATUSES, 'Immunization.status');
  if (!status) throw badInput('Immunization.status', 'Immunization.status is required');
  // the list's sort key: occurrenceString ("last spring") has no instant to sort by
  const occurredAt = fhirInstant(resource.occurrenceDateTime, 'Immunization.occurrenceDateTime');
  if (!occurredAt) throw badInput('Immunization.occurrenceDateTime', 'Immunization.occurrenceDateTime is required');
  return {
    patientId,
    encounterId,
    organizationId,
    vaccineCode,
    codeValue: vaccineCode.code,
    status,
    occurredAt,
    primarySource: typeof resource.primarySource === 'boolean' ? resource.primarySource : null,
  };
}

/** Our row as a FHIR Immunization: what immunizationData reads back into the same row. */
export function immunizationToFhir(row: Immunization): FhirImmunization {
  return {
    resourceType: 'Immunization',
    ...recordBase(row),
    status: row.status,
    vaccineCode: fhirConcept(row.vaccineCode)!,
    patient: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    occurrenceDateTime: fhirDateTime(row.occurredAt),
    primarySource: row.primarySource ?? undefined,
  };
}

/** The Immunization side of the import and the export. */
export const immunizationMapper: FhirMapper = {
  resourceType: 'Immunization',
  ingest: (em, resources, bundle) =>
    upsertResources(em, Immunization, 'Immunization', resources, (resource: FhirImmunization) => immunizationData(resource, bundle)),
  export: { entity: Immunization, toFhir: immunizationToFhir },
};
