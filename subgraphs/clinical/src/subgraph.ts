import { mountEverythingPart, type SubgraphDefinition } from '@caregraph/platform';
import { careGapFeature } from './care-gaps';
import { ChartRecordFieldsResolver } from './chart/record-fields.resolver';
import { createClinicalContext, type ClinicalContext } from './context';
import { encounterFeature } from './encounter';
import type { ClinicalFeature } from './feature';
import { createClinicalIngestor } from './fhir/clinical.ingestor';
import { clinicalEverything } from './fhir/export';
import { medicationFeatures } from './medications';
import { migrations } from './migrations';
import { monitoringFeature } from './monitoring';
import { startPatientFactsConsumer } from './patient-facts';
import { problemFeatures } from './problems';
import { resultFeatures } from './results';
import { patientReference } from './stubs';

/** Every part of the chart, in FHIR import order (encounters first: the others point at them). */
export const CLINICAL_FEATURES: readonly ClinicalFeature[] = [encounterFeature, ...problemFeatures, ...resultFeatures, ...medicationFeatures, monitoringFeature, careGapFeature];

/** The clinical subgraph: the shared chart. */
export const clinicalSubgraph: SubgraphDefinition<ClinicalContext> = {
  name: 'clinical',
  database: { schema: 'clinical', entities: CLINICAL_FEATURES.flatMap((feature) => feature.entities), migrations },
  resolvers: [ChartRecordFieldsResolver, ...CLINICAL_FEATURES.flatMap((feature) => feature.resolvers)] as SubgraphDefinition['resolvers'],
  referenceResolvers: Object.assign({}, patientReference, ...CLINICAL_FEATURES.map((feature) => feature.referenceResolvers ?? {})),
  createContext: createClinicalContext,
  // keeps clinical.patient_facts in step with the patients subgraph's patient.demographics events
  workers: (services) => startPatientFactsConsumer(services),
  // the clinical part of GET /fhir/Patient/{id}/$everything (the gateway merges the parts)
  routes: (app, services) => mountEverythingPart(app, services, clinicalEverything(CLINICAL_FEATURES)),
};

/** The clinical side of `npm run import`. */
export const clinicalIngestor = createClinicalIngestor(CLINICAL_FEATURES);
