export { PatientFacts, ageOn, factsOf } from './patient-facts';
export { PATIENT_DEMOGRAPHICS_TOPIC, PATIENT_FACTS_CONSUMER, applyDemographics, startPatientFactsConsumer } from './patient-facts.consumer';
