export { CLINICAL_FEATURES, clinicalIngestor, clinicalSubgraph } from './subgraph';
