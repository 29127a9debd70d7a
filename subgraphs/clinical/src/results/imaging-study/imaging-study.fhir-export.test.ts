import { fhirRoundTripOf } from '../../../../../test/support/fhir-round-trip';
import { idOf } from '../../../../../test/support/synthea';
import { ImagingStudy } from './imaging-study.entity';
import { imagingStudyData, imagingStudyToFhir } from './imaging-study.fhir';

/** Every fixture ImagingStudy with the rest of its bundle, and the import, stored row and export of one. */
const { fixtures, importOf, rowOf, roundTrip } = fhirRoundTripOf({ type: 'ImagingStudy', Entity: ImagingStudy, toFhir: imagingStudyToFhir, importData: imagingStudyData });

const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';

describe('ImagingStudy FHIR export', () => {
  it('imports back as the same row, for every fixture ImagingStudy: study UID, modalities, series and their instance counts', () => {
    expect(fixtures.length).toBe(23);
    for (const { resource, others } of fixtures) {
      const data = importOf(resource, others);
      expect(data.series.length).toBeGreaterThan(0);
      expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
    }
  });

  it('keeps what the fixtures leave out: counts other than the instances listed, a study modality of its own, laterality, a description, no study UID or series start', () => {
    const { resource, others } = fixtures[0];
    const base = importOf(resource, others);
    const [series] = base.series;
    const data = {
      ...base,
      studyUid: null,
      description: 'Left knee, two views',
      modalities: [{ system: DICOM, code: 'OT', display: null }, ...base.modalities],
      modalityCodes: ['OT', ...base.modalityCodes],
      numberOfSeries: 3,
      numberOfInstances: 0,
      series: [
        { ...series, number: null, description: 'AP', startedAt: null, laterality: { system: 'http://snomed.info/sct', code: '7771000', display: 'Left' } },
        { ...series, uid: `${series.uid}.2`, numberOfInstances: 0, bodySite: null },
      ],
    };
    expect(roundTrip(rowOf(resource, data), others).data).toEqual(data);
  });

  it('writes a FHIR R4 ImagingStudy: the DICOM UID as urn:dicom:uid, Type/<uuid> references, series with their counts', () => {
    const { resource, others } = fixtures[0];
    const data = importOf(resource, others);
    const { exported } = roundTrip(rowOf(resource, data), others);
    const [series] = resource.series!;
    expect(exported).toEqual({
      resourceType: 'ImagingStudy',
      id: idOf(resource),
      meta: { lastUpdated: expect.any(String), source: `urn:uuid:${data.organizationId}` },
      identifier: [{ system: 'urn:dicom:uid', value: resource.identifier![0].value }],
      status: resource.status,
      modality: [series.modality],
      subject: { reference: `Patient/${data.patientId}` },
      encounter: { reference: `Encounter/${data.encounterId}` },
      started: new Date(resource.started!).toISOString(),
      numberOfSeries: resource.numberOfSeries,
      numberOfInstances: resource.numberOfInstances,
      series: [{
        uid: series.uid,
        number: series.number,
        modality: series.modality,
        numberOfInstances: series.numberOfInstances,
        bodySite: series.bodySite,
        started: new Date(series.started!).toISOString(),
      }],
    });
  });
});
