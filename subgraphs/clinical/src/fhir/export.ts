import { compactFhir, fhirReference, type Coding, type EverythingPartSource, type FhirResource } from '@caregraph/platform';
import type { CodeableConcept } from '@medplum/fhirtypes';
import type { EntityClass, FilterQuery } from '@mikro-orm/postgresql';
import type { ClinicalRecord } from '../chart/clinical-record';
import type { ClinicalContext } from '../context';
import type { ClinicalFeature } from '../feature';

/** How one feature writes its rows back as FHIR (the export; the other way of its FhirMapper). */
export interface FhirExporter<E extends ClinicalRecord = ClinicalRecord> {
  entity: EntityClass<E>;
  /** Only the rows that have something to send (e.g. encounters with a visit summary). */
  where?: FilterQuery<E>;
  /**
   * One row as a FHIR R4 resource of the mapper's type. The importer, given it back in a bundle
   * with the resources it points at, must store the same row (see test/fhir-export.test.ts).
   */
  toFhir(row: E): FhirResource;
}

/**
 * What every exported clinical resource starts with: its id (ours, the FHIR id it was imported
 * with when that was a UUID), when it last changed, and the organization it came from as
 * `meta.source` (`urn:uuid:<organization id>`): FHIR names the organization only on the Encounter,
 * so without it a record without an encounter would lose its source on the way back in.
 */
export function recordBase(row: ClinicalRecord): { id: string; meta: { lastUpdated: string; source?: string } } {
  return { id: row.id, meta: { lastUpdated: row.updatedAt.toISOString(), ...(row.organizationId ? { source: `urn:uuid:${row.organizationId}` } : {}) } };
}

/** A stored coding as a FHIR Coding (null members left out). */
export const fhirCoding = (coding: Coding | null | undefined) =>
  coding ? compactFhir({ system: coding.system ?? undefined, code: coding.code, display: coding.display ?? undefined }) : undefined;

/** One coding as a CodeableConcept (its display as the text, as Synthea writes them). */
export const fhirConcept = (coding: Coding | null | undefined): CodeableConcept | undefined =>
  coding ? { coding: [fhirCoding(coding)!], ...(coding.display ? { text: coding.display } : {}) } : undefined;

/** Each stored coding as a concept of its own (how the import flattens lists of concepts: categories, interpretations, ...). */
export const fhirConcepts = (codings: readonly Coding[]): CodeableConcept[] => codings.map((coding) => ({ coding: [fhirCoding(coding)!] }));

/** A status-like concept: one coding of `system` with `code` (e.g. Condition.clinicalStatus). */
export const fhirStatusConcept = (system: string, code: string | null | undefined): CodeableConcept | undefined =>
  code ? { coding: [{ system, code }] } : undefined;

/** An instant as FHIR dateTime/instant text. */
export const fhirDateTime = (date: Date | null | undefined): string | undefined => date?.toISOString();

/** effective[x] of a result (Observation, DiagnosticReport): a period when it has an end, else the instant. */
export const fhirEffective = (at: Date, end: Date | null | undefined) =>
  (end ? { effectivePeriod: { start: fhirDateTime(at), end: fhirDateTime(end) } } : { effectiveDateTime: fhirDateTime(at) });

export { compactFhir, fhirReference };

/**
 * The clinical part of a patient's `$everything`: every feature's rows of the patient, through
 * its exporter, in the order the features are listed (encounters first). One query per type on
 * the (patient_id, ...) indexes every list already uses.
 */
export function clinicalEverything(features: readonly ClinicalFeature[]): EverythingPartSource<ClinicalContext> {
  const exporters = features.flatMap((feature) => feature.fhir ?? []).flatMap((mapper) => (mapper.export ? [{ resourceType: mapper.resourceType, exporter: mapper.export }] : []));
  return {
    category: 'clinical',
    resourceTypes: [...new Set(exporters.map((entry) => entry.resourceType))],
    async read(ctx, { patientId, types, since }) {
      const em = ctx.em.fork();
      const parts = await Promise.all(exporters.filter((entry) => types.has(entry.resourceType)).map(async ({ exporter }) => {
        const rows = await em.find(exporter.entity as EntityClass<ClinicalRecord>, { ...(exporter.where as object), patientId, ...(since && { updatedAt: { $gte: since } }) } as never,
          { orderBy: { id: 'asc' } as never, disableIdentityMap: true });
        return rows.map((row) => compactFhir(exporter.toFhir(row)));
      }));
      return parts.flat();
    },
  };
}
