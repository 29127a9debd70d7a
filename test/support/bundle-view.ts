import { parseReference, resourceId, type BundleView, type FhirResource } from '@caregraph/platform';

/**
 * The importer's view of a bundle, reduced to what an ingestor reads, for testing an ingestor
 * directly (Synthea uses urn:uuid references, which parseReference resolves).
 */
export function bundleViewOf(resources: readonly FhirResource[]): BundleView {
  const byType = new Map<string, FhirResource[]>();
  for (const resource of resources) byType.set(resource.resourceType, [...(byType.get(resource.resourceType) ?? []), resource]);
  return {
    byId: new Map(resources.map((resource) => [resourceId(resource.resourceType, resource.id!), resource])),
    byType,
    resolve: (reference) => parseReference(reference)?.id,
  };
}
