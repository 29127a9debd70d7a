export { patientsSubgraph } from './subgraph';
export { patientsIngestor } from './fhir/patients.ingestor';
export {
  decidePatientAccess, decideOnePatient, categoriesOfScopes, categoryOfResourceType, ACCESS_CATEGORIES, CONSENT_COVERS,
  type AccessCategory, type AccessBasis, type AccessDecision,
} from './access/access-policy';
export { seedDemoConsent } from './consent/demo-consent';
