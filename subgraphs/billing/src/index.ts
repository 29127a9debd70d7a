export { billingSubgraph } from './subgraph';
export { billingIngestor } from './fhir/billing.ingestor';
