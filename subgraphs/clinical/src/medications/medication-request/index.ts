import { encounterRecordsResolver } from '../../chart/encounter-records';
import { medicationRequestsByEncounter } from './medication-request.service';
import type { ClinicalFeature } from '../../feature';
import { MedicationRequest } from './medication-request.entity';
import { medicationRequestMapper } from './medication-request.fhir';
import { medicationRequestReference } from './medication-request.reference';
import { MedicationRequestResolver, PatientMedicationRequestsResolver } from './medication-request.resolver';

/** Medication requests: prescriptions imported from FHIR or written in caregraph. */
export const medicationRequestFeature: ClinicalFeature = {
  entities: [MedicationRequest],
  resolvers: [MedicationRequestResolver, PatientMedicationRequestsResolver, encounterRecordsResolver(MedicationRequest, 'medicationRequests', 'The medications prescribed in this encounter, newest first', medicationRequestsByEncounter)],
  referenceResolvers: medicationRequestReference,
  fhir: [medicationRequestMapper],
};
