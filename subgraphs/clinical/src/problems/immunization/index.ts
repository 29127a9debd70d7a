import { encounterRecordsResolver } from '../../chart/encounter-records';
import { immunizationsByEncounter } from './immunization.service';
import type { ClinicalFeature } from '../../feature';
import { Immunization } from './immunization.entity';
import { immunizationMapper } from './immunization.fhir';
import { immunizationReference } from './immunization.reference';
import { ImmunizationResolver, PatientImmunizationsResolver } from './immunization.resolver';

export { immunizationsByEncounter } from './immunization.service';

/** Immunizations (vaccinations). */
export const immunizationFeature: ClinicalFeature = {
  entities: [Immunization],
  resolvers: [ImmunizationResolver, PatientImmunizationsResolver, encounterRecordsResolver(Immunization, 'immunizations', 'The immunizations given in this encounter', immunizationsByEncounter)],
  referenceResolvers: immunizationReference,
  fhir: [immunizationMapper],
};
