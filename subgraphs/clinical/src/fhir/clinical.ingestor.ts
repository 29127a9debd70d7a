import type { FhirIngestor, IngestCounts } from '@caregraph/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClinicalFeature } from '../feature';

/**
 * Persists the clinical resources of a bundle into the clinical schema, inside the importer's
 * transaction, feature by feature (each maps its own types; see feature.ts), then lets each
 * feature derive what spans the whole chart (afterIngest: care gaps). Importing the same bundle
 * again updates in place (ids derive from the FHIR ids).
 */
export function createClinicalIngestor(features: readonly ClinicalFeature[]): FhirIngestor {
  const mappers = features.flatMap((feature) => feature.fhir ?? []);
  return {
    subgraph: 'clinical',
    resourceTypes: [...new Set(mappers.map((mapper) => mapper.resourceType))],
    async ingest(em: EntityManager, resources, bundle): Promise<IngestCounts> {
      const counts: IngestCounts = {};
      for (const mapper of mappers) {
        // two mappers may share a type (DocumentReference: visit summaries and notes): their counts add up
        for (const [kind, { created, updated }] of Object.entries(await mapper.ingest(em, resources, bundle))) {
          const total = (counts[kind] ??= { created: 0, updated: 0 });
          total.created += created;
          total.updated += updated;
        }
      }
      for (const feature of features) await feature.afterIngest?.(em, bundle);
      return counts;
    },
  };
}
