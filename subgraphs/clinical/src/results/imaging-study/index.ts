import { encounterRecordsResolver } from '../../chart/encounter-records';
import { imagingStudiesByEncounter } from './imaging-study.loaders';
import type { ClinicalFeature } from '../../feature';
import { ImagingStudy } from './imaging-study.entity';
import { imagingStudyMapper } from './imaging-study.fhir';
import { imagingStudyReference } from './imaging-study.reference';
import { ImagingStudyResolver, PatientImagingStudiesResolver } from './imaging-study.resolver';

export { ImagingStudy, ImagingStudyStatus } from './imaging-study.entity';

/** Imaging studies (modalities, series, body sites). Imported only. */
export const imagingStudyFeature: ClinicalFeature = {
  entities: [ImagingStudy],
  resolvers: [ImagingStudyResolver, PatientImagingStudiesResolver, encounterRecordsResolver(ImagingStudy, 'imagingStudies', 'The imaging studies of this encounter', imagingStudiesByEncounter)],
  referenceResolvers: imagingStudyReference,
  fhir: [imagingStudyMapper],
};
