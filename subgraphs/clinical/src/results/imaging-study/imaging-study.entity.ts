import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR imagingstudy-status (R4). Values are the FHIR codes. */
export enum ImagingStudyStatus {
  REGISTERED = 'registered',
  AVAILABLE = 'available',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
  UNKNOWN = 'unknown',
}
registerEnumType(ImagingStudyStatus, { name: 'ImagingStudyStatus', description: 'FHIR imaging study status' });
export const IMAGING_STUDY_STATUS_CODES: readonly string[] = Object.values(ImagingStudyStatus);

/** One series of a study, as stored in jsonb (the instances themselves stay in the PACS). */
@ObjectType('ImagingSeries', { description: 'One series of an imaging study: images of one modality and body site (FHIR ImagingStudy.series)' })
export class ImagingSeries {
  @Field({ description: 'The DICOM series instance UID' }) uid!: string;
  @Field(() => Int, { nullable: true, description: 'The series number within the study' }) number!: number | null;
  @Field(() => Coding, { description: 'The DICOM modality (e.g. CT, MR, DX)' }) modality!: Coding;
  @Field(() => Coding, { nullable: true, description: 'The body part examined, usually a SNOMED CT coding' }) bodySite!: Coding | null;
  @Field(() => Coding, { nullable: true }) laterality!: Coding | null;
  @Field(() => Int, { description: 'Images in the series (FHIR numberOfInstances, else the instances listed)' }) numberOfInstances!: number;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the series started' }) startedAt!: Date | null;
}

/** A series as kept in jsonb: the start is an ISO string there. */
export type StoredSeries = Omit<ImagingSeries, 'startedAt'> & { startedAt: string | null };

/**
 * A set of images taken in one imaging examination (FHIR ImagingStudy): its modalities, series and
 * body sites. Imported only; the pixels stay in the source's PACS.
 */
@ObjectType({ implements: ClinicalRecord, description: 'An imaging examination: its modalities, series and body sites (FHIR ImagingStudy)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'imaging_study' })
export class ImagingStudy extends ClinicalRecord {
  @Field(() => ImagingStudyStatus)
  @Enum({ items: () => ImagingStudyStatus, type: 'text' })
  status!: ImagingStudyStatus;

  @Field(() => String, { nullable: true, description: 'The DICOM study instance UID, when the source gave one' })
  @Property({ type: 'text', nullable: true })
  studyUid?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => Date, { description: 'When the study started (FHIR started, else its first series, else its encounter); lists sort on it' })
  @Property({ type: 'timestamptz' })
  startedAt!: Date;

  @Field(() => [Coding], { description: 'Every modality of the study and its series (DICOM codes), without duplicates' })
  @Property({ type: 'jsonb' })
  modalities: Coding[] & Opt = [];

  /** modalities' codes, for the `modality` filter. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  modalityCodes: string[] & Opt = [];

  @Field(() => Int)
  @Property({ type: 'integer' })
  numberOfSeries!: number;

  @Field(() => Int)
  @Property({ type: 'integer' })
  numberOfInstances!: number;

  /** FHIR series (without instances); resolved as `series`. */
  @Property({ type: 'jsonb' })
  series: StoredSeries[] & Opt = [];
}
