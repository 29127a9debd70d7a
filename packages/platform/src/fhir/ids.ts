import { v5 as uuidv5, validate as isUuid } from 'uuid';

/** Namespace for ids derived from FHIR ids that are not UUIDs (UUIDv5, RFC 4122). */
const CAREGRAPH_NAMESPACE = '5b7c1d52-3f7e-4b8e-9a51-6f1f2c7a9e10';

/**
 * Our primary key for a FHIR resource. Synthea (and most servers) use UUID ids: we keep them, so
 * every subgraph derives the same id for the same resource without asking another service. Other
 * ids map deterministically to a UUIDv5 of type and id.
 */
export function resourceId(resourceType: string, fhirId: string): string {
  return isUuid(fhirId) ? fhirId.toLowerCase() : uuidv5(`${resourceType}/${fhirId}`, CAREGRAPH_NAMESPACE);
}

/**
 * The target of a FHIR reference as `{ resourceType?, id }`: `urn:uuid:<id>` (bundle-internal
 * fullUrl) or `Type/<id>` (relative). Returns undefined for contained (#x) and absolute URLs.
 */
export function parseReference(reference: string | undefined): { resourceType?: string; id: string } | undefined {
  if (!reference) return undefined;
  if (reference.startsWith('urn:uuid:')) return { id: reference.slice('urn:uuid:'.length).toLowerCase() };
  const relative = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (relative) return { resourceType: relative[1], id: resourceId(relative[1], relative[2]) };
  return undefined;
}
