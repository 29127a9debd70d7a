import type { BundleView, FhirResource, IngestCounts, ReferenceResolvers } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FhirExporter } from './fhir/export';

/** How one feature persists the FHIR resources it owns (inside the importer's transaction). */
export interface FhirMapper {
  resourceType: string;
  ingest(em: EntityManager, resources: readonly FhirResource[], bundle: BundleView): Promise<IngestCounts>;
  /** The other way: the feature's rows of a patient as FHIR, for `$everything` (fhir/export.ts). */
  export?: FhirExporter<any>;
}

/**
 * One part of the chart (conditions, observations, ...): its entities, resolvers, `_entities`
 * resolution and FHIR import and export. subgraph.ts composes the features; nothing else lists them, so a
 * feature lives in its folder alone.
 */
export interface ClinicalFeature {
  entities: Function[];
  resolvers: Function[];
  referenceResolvers?: ReferenceResolvers;
  fhir?: FhirMapper[];
  /** Runs once every feature has ingested a bundle, in the same transaction (data derived from the whole chart). */
  afterIngest?(em: EntityManager, bundle: BundleView): Promise<void>;
}
