import { badInput, codingsOf, fhirInstant, firstCodingOf, type BundleView, type Coding } from '@caregraph/platform';
import type { Condition as FhirCondition, Procedure as FhirProcedure } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirDateTime, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { fhirCode, practitionerIdOf } from '../shared';
import { Procedure, ProcedureStatus } from './procedure.entity';

const STATUSES = Object.values(ProcedureStatus);

/**
 * Why the procedure was done: its reasonCode codings, then the code of each Condition of the
 * bundle that reasonReference names (Synthea states reasons only that way). References to other
 * resources, or to conditions outside the bundle, add nothing.
 */
function reasonsOf(resource: FhirProcedure, bundle: BundleView): Coding[] {
  const reasons = codingsOf(resource.reasonCode);
  for (const reference of resource.reasonReference ?? []) {
    const target = bundle.byId.get(bundle.resolve(reference.reference) ?? '');
    if (target?.resourceType !== 'Condition') continue;
    const coding = firstCodingOf((target as FhirCondition).code);
    if (coding) reasons.push(coding);
  }
  return reasons;
}

/** Our row for one FHIR Procedure. */
export function procedureData(resource: FhirProcedure, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  const code = firstCodingOf(resource.code);
  if (!code) throw badInput('Procedure.code', 'Procedure.code must have a coding with a code');
  const status = fhirCode(resource.status, STATUSES, 'Procedure.status');
  if (!status) throw badInput('Procedure.status', 'Procedure.status is required');
  // the list's sort key must never be null (keyset cursors)
  const performedStart = fhirInstant(resource.performedDateTime, 'Procedure.performedDateTime') ?? fhirInstant(resource.performedPeriod?.start, 'Procedure.performedPeriod.start');
  if (!performedStart) throw badInput('Procedure.performedDateTime', 'Procedure needs a performedDateTime or a performedPeriod.start');
  const performedEnd = fhirInstant(resource.performedPeriod?.end, 'Procedure.performedPeriod.end');
  if (performedEnd && performedEnd < performedStart) throw badInput('Procedure.performedPeriod.end', 'Procedure.performedPeriod.end is before its start');
  const performers = (resource.performer ?? []).map((performer) => practitionerIdOf(performer.actor, bundle)).filter((id): id is string => Boolean(id));
  return {
    patientId,
    encounterId,
    organizationId,
    code,
    codeValue: code.code,
    status,
    performedStart,
    performedEnd,
    reasons: reasonsOf(resource, bundle),
    performerPractitionerIds: [...new Set(performers)],
  };
}

/**
 * Our row as a FHIR Procedure: what procedureData reads back into the same row. The reasons go out
 * as reasonCode, one concept each: we keep the codes, not which conditions the source named.
 */
export function procedureToFhir(row: Procedure): FhirProcedure {
  return {
    resourceType: 'Procedure',
    ...recordBase(row),
    status: row.status,
    code: fhirConcept(row.code),
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    // a period only when the source gave an end; a single instant otherwise
    ...(row.performedEnd
      ? { performedPeriod: { start: fhirDateTime(row.performedStart), end: fhirDateTime(row.performedEnd) } }
      : { performedDateTime: fhirDateTime(row.performedStart) }),
    performer: row.performerPractitionerIds.map((id) => ({ actor: fhirReference('Practitioner', id)! })),
    reasonCode: row.reasons.map((reason) => fhirConcept(reason)!),
  };
}

/** The Procedure side of the import (procedures are import-only: no mutation) and the export. */
export const procedureMapper: FhirMapper = {
  resourceType: 'Procedure',
  ingest: (em, resources, bundle) => upsertResources(em, Procedure, 'Procedure', resources, (resource: FhirProcedure) => procedureData(resource, bundle)),
  export: { entity: Procedure, toFhir: procedureToFhir },
};
