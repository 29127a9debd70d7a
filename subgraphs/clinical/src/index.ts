export { clinicalSubgraph } from './subgraph';
export { clinicalIngestor } from './fhir/clinical.ingestor';
