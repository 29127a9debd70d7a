import { badInput, codingsOf, fhirInstant, type BundleView, type Coding } from '@caregraph/platform';
import type { Device as FhirDevice, Observation as FhirObservation, ObservationComponent, ObservationReferenceRange, Quantity as FhirQuantity } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirConcept, fhirConcepts, fhirDateTime, fhirEffective, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { LOINC, primaryCoding } from '../shared/codes';
import { quantityOf, type StoredQuantity } from '../shared/quantity';
import {
  OBSERVATION_CATEGORY_CODES, OBSERVATION_CATEGORY_SYSTEM, OBSERVATION_STATUS_CODES, Observation,
  type ObservationCategory, type ObservationStatus, type StoredComponent, type StoredReferenceRange,
} from './observation.entity';

/** Category codes some exporters write for a FHIR one (Synthea writes "vital-sign"). */
const CATEGORY_ALIASES: Record<string, ObservationCategory> = { 'vital-sign': 'vital-signs' as ObservationCategory };

/** The primary category: the first coding (of the FHIR category system, or without a system) that names a FHIR observation category. */
export function primaryCategory(categories: readonly Coding[]): ObservationCategory | null {
  for (const coding of categories) {
    if (coding.system && coding.system !== OBSERVATION_CATEGORY_SYSTEM) continue;
    const code = CATEGORY_ALIASES[coding.code] ?? coding.code;
    if (OBSERVATION_CATEGORY_CODES.includes(code)) return code as ObservationCategory;
  }
  return null;
}

/** value[x] kinds we keep as words: FHIR writes them as strings already. */
const VALUE_AS_WRITTEN = ['valueString', 'valueDateTime', 'valueTime'] as const;
/** value[x] kinds we cannot keep yet: refused (naming the field) rather than silently dropped. */
const UNSUPPORTED_VALUES = ['valueRange', 'valueRatio', 'valueSampledData', 'valuePeriod'] as const;

/** The value[x] columns of one observation (all null when it has no value, e.g. a panel of components). */
export function observationValue(resource: FhirObservation) {
  const value = {
    valueQuantity: null as string | null,
    valueUnit: null as string | null,
    valueUnitCode: null as string | null,
    valueSystem: null as string | null,
    valueComparator: null as string | null,
    valueCodeableConcept: null as Coding | null,
    valueString: null as string | null,
    valueBoolean: null as boolean | null,
    valueInteger: null as number | null,
  };
  for (const kind of UNSUPPORTED_VALUES) {
    if (resource[kind] !== undefined) throw badInput(`Observation.${kind}`, `Observation.${kind} is not supported`);
  }
  if (resource.valueQuantity) {
    const quantity = quantityOf(resource.valueQuantity, 'Observation.valueQuantity');
    // String(number) is the shortest text that reads back as the same number: numeric keeps it exactly
    value.valueQuantity = String(quantity.value);
    value.valueUnit = quantity.unit;
    value.valueUnitCode = quantity.unitCode;
    value.valueSystem = quantity.system;
    value.valueComparator = quantity.comparator;
  } else if (resource.valueCodeableConcept) {
    value.valueCodeableConcept = primaryCoding(resource.valueCodeableConcept);
    // a concept given in words only is kept as words
    if (!value.valueCodeableConcept) value.valueString = resource.valueCodeableConcept.text?.trim() || null;
  } else if (typeof resource.valueBoolean === 'boolean') {
    value.valueBoolean = resource.valueBoolean;
  } else if (resource.valueInteger !== undefined) {
    if (!Number.isSafeInteger(resource.valueInteger) || Math.abs(resource.valueInteger) > 2 ** 31 - 1) {
      throw badInput('Observation.valueInteger', 'Observation.valueInteger must be a 32-bit integer');
    }
    value.valueInteger = resource.valueInteger;
  } else {
    const kind = VALUE_AS_WRITTEN.find((name) => typeof resource[name] === 'string');
    if (kind) value.valueString = resource[kind] as string;
  }
  return value;
}

function componentOf(component: ObservationComponent, index: number): StoredComponent {
  const field = `Observation.component[${index}]`;
  const code = primaryCoding(component.code, LOINC);
  if (!code) throw badInput(`${field}.code`, `${field}.code must have a coding`);
  return {
    code,
    quantity: component.valueQuantity ? quantityOf(component.valueQuantity, `${field}.valueQuantity`) : null,
    coding: primaryCoding(component.valueCodeableConcept),
  };
}

function referenceRangeOf(range: ObservationReferenceRange, index: number): StoredReferenceRange {
  const field = `Observation.referenceRange[${index}]`;
  return {
    low: range.low ? quantityOf(range.low, `${field}.low`) : null,
    high: range.high ? quantityOf(range.high, `${field}.high`) : null,
    text: range.text ?? null,
  };
}

/** Our row for one FHIR Observation. */
export function observationData(resource: FhirObservation, bundle: BundleView) {
  const { patientId, encounterId, organizationId } = provenanceOf(resource, bundle);
  if (!OBSERVATION_STATUS_CODES.includes(resource.status)) throw badInput('Observation.status', 'Observation.status is not a FHIR observation status');
  const code = primaryCoding(resource.code, LOINC);
  if (!code) throw badInput('Observation.code', 'Observation.code must have a coding');
  const effectiveDateTime = fhirInstant(resource.effectiveDateTime ?? resource.effectiveInstant, 'Observation.effectiveDateTime');
  const periodStart = fhirInstant(resource.effectivePeriod?.start, 'Observation.effectivePeriod.start');
  const periodEnd = fhirInstant(resource.effectivePeriod?.end, 'Observation.effectivePeriod.end');
  const issuedAt = fhirInstant(resource.issued, 'Observation.issued');
  // lists sort on it: never null
  const effectiveAt = effectiveDateTime ?? periodStart ?? issuedAt;
  if (!effectiveAt) throw badInput('Observation.effective', 'Observation needs effectiveDateTime, effectivePeriod.start or issued');
  if (periodEnd && periodEnd < effectiveAt) throw badInput('Observation.effectivePeriod.end', 'Observation.effectivePeriod.end is before its start');
  const categories = codingsOf(resource.category);

  return {
    patientId,
    encounterId,
    organizationId,
    status: resource.status as ObservationStatus,
    categories,
    category: primaryCategory(categories),
    code,
    codeValue: code.code,
    effectiveAt,
    effectiveEnd: periodEnd,
    issuedAt,
    ...observationValue(resource),
    components: (resource.component ?? []).map(componentOf),
    interpretation: codingsOf(resource.interpretation),
    referenceRange: (resource.referenceRange ?? []).map(referenceRangeOf),
    // device readings arrive through remote monitoring, not imports
    deviceId: null,
    deviceName: null,
  };
}

/** A stored quantity as a FHIR Quantity (quantityOf's inverse): value, unit, UCUM code and comparator as recorded. */
const fhirQuantity = (stored: StoredQuantity | null): FhirQuantity | undefined =>
  stored
    ? {
      value: Number(stored.value),
      comparator: (stored.comparator ?? undefined) as FhirQuantity['comparator'],
      unit: stored.unit ?? undefined,
      system: stored.system ?? undefined,
      code: stored.unitCode ?? undefined,
    }
    : undefined;

/** The row's value[x] (at most one is stored), as observationValue reads it back. */
function fhirValue(row: Observation): Partial<FhirObservation> {
  if (row.valueQuantity !== null && row.valueQuantity !== undefined) {
    // stored as String(number): Number() gives back the very number that was recorded
    return { valueQuantity: fhirQuantity({ value: Number(row.valueQuantity), unit: row.valueUnit ?? null, unitCode: row.valueUnitCode ?? null, system: row.valueSystem ?? null, comparator: row.valueComparator ?? null }) };
  }
  if (row.valueCodeableConcept) return { valueCodeableConcept: fhirConcept(row.valueCodeableConcept) };
  if (typeof row.valueBoolean === 'boolean') return { valueBoolean: row.valueBoolean };
  if (row.valueInteger !== null && row.valueInteger !== undefined) return { valueInteger: row.valueInteger };
  // words (also a dateTime, time or uncoded concept as written): which of those it was is not kept
  if (row.valueString !== null && row.valueString !== undefined) return { valueString: row.valueString };
  return {};
}

/**
 * The device that took a remote-monitoring reading, contained (no Device resource of ours to point
 * at); referenced as `#device`. observationData does not read it back: readings come in through
 * remote monitoring, not imports.
 */
function containedDevice(row: Observation): FhirDevice | undefined {
  if (!row.deviceIdentifier) return undefined;
  return {
    resourceType: 'Device',
    id: 'device',
    identifier: [{ value: row.deviceIdentifier }],
    type: fhirConcept(row.deviceType),
    deviceName: row.deviceName ? [{ name: row.deviceName, type: 'user-friendly-name' }] : undefined,
  };
}

/** Our row as a FHIR Observation: what observationData reads back into the same row (but a device reading's device: see containedDevice). */
export function observationToFhir(row: Observation): FhirObservation {
  const device = containedDevice(row);
  return {
    resourceType: 'Observation',
    ...recordBase(row),
    contained: device ? [device] : undefined,
    // the device's own id of the reading: it has no system we know
    identifier: row.deviceReadingId ? [{ value: row.deviceReadingId }] : undefined,
    status: row.status,
    category: fhirConcepts(row.categories),
    code: fhirConcept(row.code)!,
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    ...fhirEffective(row.effectiveAt, row.effectiveEnd),
    issued: fhirDateTime(row.issuedAt),
    ...fhirValue(row),
    interpretation: fhirConcepts(row.interpretation),
    device: device ? { reference: '#device', display: row.deviceName ?? undefined } : undefined,
    referenceRange: row.referenceRange.map((range) => ({ low: fhirQuantity(range.low), high: fhirQuantity(range.high), text: range.text ?? undefined })),
    component: row.components.map((component) => ({
      code: fhirConcept(component.code)!,
      valueQuantity: fhirQuantity(component.quantity),
      valueCodeableConcept: fhirConcept(component.coding),
    })),
  };
}

/** The Observation side of the import and the export. */
export const observationMapper: FhirMapper = {
  resourceType: 'Observation',
  ingest: (em, resources, bundle) => upsertResources(em, Observation, 'Observation', resources, (resource: FhirObservation) => observationData(resource, bundle)),
  export: { entity: Observation, toFhir: observationToFhir },
};
