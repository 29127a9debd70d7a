export { patientsSubgraph } from './subgraph';
export { patientsIngestor } from './fhir/patients.ingestor';
