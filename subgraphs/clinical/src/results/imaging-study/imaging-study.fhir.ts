import { badInput, fhirInstant, type BundleView, type Coding } from '@caregraph/platform';
import type { Coding as FhirCoding, Encounter as FhirEncounter, ImagingStudy as FhirImagingStudy, ImagingStudySeries } from '@medplum/fhirtypes';
import type { FhirMapper } from '../../feature';
import { fhirCoding, fhirDateTime, fhirReference, recordBase } from '../../fhir/export';
import { provenanceOf } from '../../fhir/provenance';
import { upsertResources } from '../../fhir/upsert';
import { IMAGING_STUDY_STATUS_CODES, ImagingStudy, type ImagingStudyStatus, type StoredSeries } from './imaging-study.entity';

const codingOf = (coding: FhirCoding | undefined): Coding | null =>
  coding?.code ? { system: coding.system ?? null, code: coding.code, display: coding.display ?? null } : null;

/** The DICOM study UID among the identifiers (urn:dicom:uid, or a urn:oid: value), without its urn prefix. */
function studyUidOf(resource: FhirImagingStudy): string | null {
  const identifier = (resource.identifier ?? []).find((id) => id.system === 'urn:dicom:uid' || id.value?.startsWith('urn:oid:'));
  return identifier?.value?.replace(/^urn:(oid|dicom:uid):/, '') || null;
}

function seriesOf(series: ImagingStudySeries, index: number): StoredSeries {
  const field = `ImagingStudy.series[${index}]`;
  if (!series.uid) throw badInput(`${field}.uid`, `${field}.uid is required`);
  const modality = codingOf(series.modality);
  if (!modality) throw badInput(`${field}.modality`, `${field}.modality must have a code`);
  const startedAt = fhirInstant(series.started, `${field}.started`);
  return {
    uid: series.uid,
    number: series.number ?? null,
    modality,
    bodySite: codingOf(series.bodySite),
    laterality: codingOf(series.laterality),
    numberOfInstances: series.numberOfInstances ?? series.instance?.length ?? 0,
    description: series.description ?? null,
    startedAt: startedAt?.toISOString() ?? null,
  };
}

/** Codings without repeats (same system and code), first occurrence kept. */
function distinctCodings(codings: readonly (Coding | null)[]): Coding[] {
  const seen = new Map<string, Coding>();
  for (const coding of codings) if (coding && !seen.has(`${coding.system}|${coding.code}`)) seen.set(`${coding.system}|${coding.code}`, coding);
  return [...seen.values()];
}

/** Our row for one FHIR ImagingStudy. */
export function imagingStudyData(resource: FhirImagingStudy, bundle: BundleView) {
  const provenance = provenanceOf(resource, bundle);
  if (!IMAGING_STUDY_STATUS_CODES.includes(resource.status)) throw badInput('ImagingStudy.status', 'ImagingStudy.status is not a FHIR imaging study status');
  const series = (resource.series ?? []).map(seriesOf);
  const encounter = provenance.encounterId ? (bundle.byId.get(provenance.encounterId) as FhirEncounter | undefined) : undefined;
  // lists sort on it: never null
  const firstSeries = series.map((entry) => entry.startedAt).filter((start): start is string => Boolean(start)).sort()[0];
  const startedAt = fhirInstant(resource.started, 'ImagingStudy.started')
    ?? (firstSeries ? new Date(firstSeries) : null)
    ?? fhirInstant(encounter?.period?.start, 'Encounter.period.start');
  if (!startedAt) throw badInput('ImagingStudy.started', 'ImagingStudy.started is required when neither its series nor its encounter say when it took place');
  const modalities = distinctCodings([...(resource.modality ?? []).map(codingOf), ...series.map((entry) => entry.modality)]);
  const count = (value: number | undefined, field: string, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 0) throw badInput(field, `${field} must be a whole number`);
    return value;
  };

  return {
    ...provenance,
    status: resource.status as ImagingStudyStatus,
    studyUid: studyUidOf(resource),
    description: resource.description ?? null,
    startedAt,
    modalities,
    modalityCodes: [...new Set(modalities.map((coding) => coding.code))],
    numberOfSeries: count(resource.numberOfSeries, 'ImagingStudy.numberOfSeries', series.length),
    numberOfInstances: count(resource.numberOfInstances, 'ImagingStudy.numberOfInstances', series.reduce((total, entry) => total + entry.numberOfInstances, 0)),
    series,
  };
}

/** A stored series as FHIR: its counts given outright, as its instances (uid, SOP class) stay in the PACS and are not listed. */
const fhirSeries = (series: StoredSeries): ImagingStudySeries => ({
  uid: series.uid,
  number: series.number ?? undefined,
  modality: fhirCoding(series.modality)!,
  description: series.description ?? undefined,
  numberOfInstances: series.numberOfInstances,
  bodySite: fhirCoding(series.bodySite),
  laterality: fhirCoding(series.laterality),
  started: series.startedAt ?? undefined,
});

/** Our row as a FHIR ImagingStudy: what imagingStudyData reads back into the same row. */
export function imagingStudyToFhir(row: ImagingStudy): FhirImagingStudy {
  return {
    resourceType: 'ImagingStudy',
    ...recordBase(row),
    // the DICOM study UID as FHIR R4 names it
    identifier: row.studyUid ? [{ system: 'urn:dicom:uid', value: `urn:oid:${row.studyUid}` }] : undefined,
    status: row.status,
    // every modality of the study and its series, in the stored order (the import lists the study's first)
    modality: row.modalities.map((coding) => fhirCoding(coding)!),
    subject: fhirReference('Patient', row.patientId)!,
    encounter: fhirReference('Encounter', row.encounterId),
    started: fhirDateTime(row.startedAt),
    numberOfSeries: row.numberOfSeries,
    numberOfInstances: row.numberOfInstances,
    description: row.description ?? undefined,
    series: row.series.map(fhirSeries),
  };
}

/** The ImagingStudy side of the import and the export. */
export const imagingStudyMapper: FhirMapper = {
  resourceType: 'ImagingStudy',
  ingest: (em, resources, bundle) => upsertResources(em, ImagingStudy, 'ImagingStudy', resources, (resource: FhirImagingStudy) => imagingStudyData(resource, bundle)),
  export: { entity: ImagingStudy, toFhir: imagingStudyToFhir },
};
