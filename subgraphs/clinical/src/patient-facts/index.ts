export { PatientFacts, ageOn, factsOf } from './patient-facts';
export {
  PATIENT_DEMOGRAPHICS_TOPIC, PATIENT_FACTS_CONSUMER, PATIENT_REGISTRATIONS_TOPIC, applyDemographics, applyRegistrations, startPatientFactsConsumer,
} from './patient-facts.consumer';
