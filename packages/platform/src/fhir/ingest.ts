import type { EntityManager } from '@mikro-orm/postgresql';
import type { Resource } from '@medplum/fhirtypes';

/** Any FHIR R4 resource (types from @medplum/fhirtypes). */
export type FhirResource = Resource;

/** Read-only view of one validated bundle, for owners that derive records from other resources. */
export interface BundleView {
  /** Every resource in the bundle by our id (see resourceId). */
  byId: ReadonlyMap<string, FhirResource>;
  /** Resources grouped by resourceType. */
  byType: ReadonlyMap<string, readonly FhirResource[]>;
  /** Resolves a reference (urn:uuid:… or Type/id) to the id it points at, or undefined. */
  resolve(reference: string | undefined): string | undefined;
}

/** How many records of one kind an owner inserted or updated. */
export type IngestCounts = Record<string, { created: number; updated: number }>;

/**
 * A subgraph's side of the FHIR import: it persists the resource types it owns, in the
 * transaction the importer gives it, into its own schema only.
 */
export interface FhirIngestor {
  subgraph: string;
  resourceTypes: readonly string[];
  ingest(em: EntityManager, resources: readonly FhirResource[], bundle: BundleView): Promise<IngestCounts>;
}

/** Adds one created/updated tally to a counts object. */
export function tally(counts: IngestCounts, kind: string, created: boolean): void {
  const entry = (counts[kind] ??= { created: 0, updated: 0 });
  if (created) entry.created += 1;
  else entry.updated += 1;
}
