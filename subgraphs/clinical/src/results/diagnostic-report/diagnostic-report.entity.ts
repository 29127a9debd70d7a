import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/postgresql';
import { Coding } from '@caregraph/platform';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { ClinicalRecord } from '../../chart/clinical-record';

/** FHIR diagnostic-report-status (R4). Values are the FHIR codes. */
export enum DiagnosticReportStatus {
  REGISTERED = 'registered',
  PARTIAL = 'partial',
  PRELIMINARY = 'preliminary',
  FINAL = 'final',
  AMENDED = 'amended',
  CORRECTED = 'corrected',
  APPENDED = 'appended',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
  UNKNOWN = 'unknown',
}
registerEnumType(DiagnosticReportStatus, { name: 'DiagnosticReportStatus', description: 'FHIR diagnostic report status' });
export const DIAGNOSTIC_REPORT_STATUS_CODES: readonly string[] = Object.values(DiagnosticReportStatus);

/**
 * The findings of a lab panel, imaging or other diagnostic service (FHIR DiagnosticReport), with
 * the Observations it reports (`results`, resolved in diagnostic-report.resolver.ts). Imported only.
 */
@ObjectType({ implements: ClinicalRecord, description: 'The findings of a lab panel, imaging or other diagnostic service (FHIR DiagnosticReport)' })
@Directive('@key(fields: "id")')
@Entity({ tableName: 'diagnostic_report' })
export class DiagnosticReport extends ClinicalRecord {
  @Field(() => DiagnosticReportStatus)
  @Enum({ items: () => DiagnosticReportStatus, type: 'text' })
  status!: DiagnosticReportStatus;

  @Field(() => [Coding], { description: 'The service that produced it, as recorded (e.g. v2-0074 LAB, RAD)' })
  @Property({ type: 'jsonb' })
  categories: Coding[] & Opt = [];

  @Field(() => String, { nullable: true, description: 'The code of the first category (what the `category` filter matches), e.g. LAB' })
  @Property({ type: 'text', nullable: true })
  category?: string | null;

  @Field(() => Coding, { description: 'What the report is about, usually a LOINC panel code' })
  @Property({ type: 'jsonb' })
  code!: Coding;

  /** code.code, for the `code` filter (indexed). */
  @Property({ type: 'text' })
  codeValue!: string;

  @Field(() => Date, { description: 'The clinically relevant time (FHIR effectiveDateTime, else effectivePeriod.start, else issued); lists sort on it' })
  @Property({ type: 'timestamptz' })
  effectiveAt!: Date;

  @Field(() => Date, { nullable: true, description: 'FHIR effectivePeriod.end' })
  @Property({ type: 'timestamptz', nullable: true })
  effectiveEnd?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the report was released (FHIR issued)' })
  @Property({ type: 'timestamptz', nullable: true })
  issuedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'The interpretation in words (FHIR conclusion)' })
  @Property({ type: 'text', nullable: true })
  conclusion?: string | null;

  @Field(() => [Coding], { description: 'The interpretation as codes (FHIR conclusionCode)' })
  @Property({ type: 'jsonb' })
  conclusionCodes: Coding[] & Opt = [];

  /** Our ids of the Observations it reports (FHIR result), in report order; resolved as `results`. */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  resultIds: string[] & Opt = [];

  @Field(() => String, { nullable: true, description: 'The report as text, when the source attached a plain-text rendering (FHIR presentedForm)' })
  @Property({ type: 'text', nullable: true })
  presentedFormText?: string | null;
}
