import { billingIngestor, billingSubgraph } from '@caregraph/billing';
import { clinicalIngestor, clinicalSubgraph } from '@caregraph/clinical';
import { patientsIngestor, patientsSubgraph } from '@caregraph/patients';
import type { DatabaseDefinition, FhirIngestor } from '@caregraph/platform';

/**
 * A subgraph's part in an import: the ingestor that persists its resource types and the database
 * definition (schema, entities, migrations) its EntityManager is opened on. No ingestor ever gets
 * an EntityManager of another subgraph's schema.
 */
export interface ImportOwner {
  ingestor: FhirIngestor;
  database: DatabaseDefinition;
}

/**
 * Who owns which FHIR resource types, in the order they ingest (patients first: the directory the
 * others point at). Resource types listed by no ingestor are counted as unhandled.
 */
export function defaultOwners(): ImportOwner[] {
  return [
    { ingestor: patientsIngestor, database: patientsSubgraph.database },
    { ingestor: clinicalIngestor, database: clinicalSubgraph.database },
    { ingestor: billingIngestor, database: billingSubgraph.database },
  ];
}

/** resourceType → owner; fails loudly if two owners claim the same type. */
export function ownerIndex(owners: readonly ImportOwner[]): Map<string, ImportOwner> {
  const index = new Map<string, ImportOwner>();
  for (const owner of owners) {
    for (const type of owner.ingestor.resourceTypes) {
      const existing = index.get(type);
      if (existing) throw new Error(`Resource type ${type} is claimed by both ${existing.ingestor.subgraph} and ${owner.ingestor.subgraph}`);
      index.set(type, owner);
    }
  }
  return index;
}
