import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recomputeAllCareGaps } from '../care-gaps/care-gap.recompute';

const SNOMED = 'http://snomed.info/sct';
const ICD10_CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const LOINC = 'http://loinc.org';
const CVX = 'http://hl7.org/fhir/sid/cvx';

interface SeedSatisfier {
  recordType: 'Immunization' | 'Observation' | 'Procedure' | 'DiagnosticReport';
  system: string;
  codes: string[];
  intervalMonths: number;
  label: string;
}

interface SeedRule {
  code: string;
  title: string;
  description: string;
  source: string;
  eligibility: string;
  fromAge?: string;
  untilAge?: string;
  gender?: string;
  conditionCodes?: Record<string, string[]>;
  conditionLabel?: string;
  satisfiers: SeedSatisfier[];
}

// Value sets (HEDIS/eCQM style), with the codes the Synthea exports use (BP panel 55284-4, FOBT
// 1015401000000102, cervical smear 90226004). ICD-10-CM entries also match their subcodes (E11 → E11.9).
const DIABETES = {
  [SNOMED]: ['73211009', '44054006', '46635009', '127013003', '90781000119102', '157141000119108', '368581000119106', '1551000119108',
    '97331000119101', '422034002'],
  [ICD10_CM]: ['E08', 'E09', 'E10', 'E11', 'E13'],
};
const CARDIOVASCULAR_RISK = {
  [SNOMED]: [
    // hypertension
    '38341003', '59621000', '1201005',
    // hyperlipidemia
    '55822004', '13644009', '302870006',
    // ischemic heart disease, myocardial infarction, angina
    '414545008', '53741008', '22298006', '401303003', '401314000', '399211009', '194828000',
    // stroke
    '230690007', '422504002',
    // heart failure
    '84114007', '42343007', '88805009',
    ...DIABETES[SNOMED],
  ],
  [ICD10_CM]: ['I10', 'I11', 'I12', 'I13', 'I15', 'I16', 'E78', 'I20', 'I21', 'I22', 'I23', 'I24', 'I25', 'I50', 'I63', 'I64', ...DIABETES[ICD10_CM]],
};
const INFLUENZA_VACCINES = ['88', '140', '141', '135', '144', '149', '150', '151', '153', '155', '158', '161', '166', '168', '171', '185', '186', '197', '205', '111', '15', '16'];
const STOOL_OCCULT_BLOOD = ['57905-2', '29771-3', '56490-6', '56491-4', '2335-8', '27396-1', '58453-2', '80372-6', '12503-9', '12504-7', '14563-1',
  '14564-9', '14565-6', '27401-9', '27925-7', '27926-5'];
const CERVICAL_CYTOLOGY = ['10524-7', '18500-9', '19762-4', '19764-0', '19765-7', '19766-5', '19774-9', '33717-0', '47527-7', '47528-5'];
const HIGH_RISK_HPV = ['21440-3', '30167-1', '38372-9', '59263-4', '59264-2', '59420-0', '69002-4', '71431-1', '75406-9', '75694-0', '77379-6',
  '77399-4', '77400-0'];
const HBA1C = ['4548-4', '4549-2', '17856-6'];
const LIPIDS = ['57698-3', '24331-1', '2093-3', '18262-6', '13457-7', '2089-1', '2085-9', '2571-8'];

const RULES: SeedRule[] = [
  {
    code: 'influenza-vaccine',
    title: 'Influenza vaccine',
    description: 'A seasonal influenza vaccine every year for everyone 6 months and older.',
    source: 'CDC ACIP: Prevention and Control of Seasonal Influenza with Vaccines (annual recommendations)',
    eligibility: 'Everyone 6 months and older',
    fromAge: '6 months',
    satisfiers: [{ recordType: 'Immunization', system: CVX, codes: INFLUENZA_VACCINES, intervalMonths: 12, label: 'influenza vaccine' }],
  },
  {
    code: 'blood-pressure-screening',
    title: 'Blood pressure screening',
    description: 'A blood pressure measurement at least once a year for adults.',
    source: 'USPSTF 2021: Hypertension in Adults: Screening (grade A)',
    eligibility: 'Adults 18 and older',
    fromAge: '18 years',
    satisfiers: [{ recordType: 'Observation', system: LOINC, codes: ['85354-9', '55284-4', '35094-2', '8480-6', '8462-4'], intervalMonths: 12, label: 'blood pressure measurement' }],
  },
  {
    code: 'colorectal-cancer-screening',
    title: 'Colorectal cancer screening',
    description: 'Colorectal cancer screening from 45 to 75: a colonoscopy every 10 years, a flexible sigmoidoscopy every 5 years, '
      + 'a stool DNA test (FIT-DNA) every 3 years, or a stool occult blood test (FIT or gFOBT) every year.',
    source: 'USPSTF 2021: Colorectal Cancer: Screening (grade A 50-75, grade B 45-49)',
    eligibility: 'Adults 45 to 75',
    fromAge: '45 years',
    untilAge: '76 years',
    satisfiers: [
      { recordType: 'Procedure', system: SNOMED, codes: ['73761001', '444783004'], intervalMonths: 120, label: 'colonoscopy' },
      { recordType: 'Procedure', system: SNOMED, codes: ['44441009'], intervalMonths: 60, label: 'flexible sigmoidoscopy' },
      { recordType: 'Observation', system: LOINC, codes: ['77353-1', '77354-9'], intervalMonths: 36, label: 'stool DNA test' },
      { recordType: 'Observation', system: LOINC, codes: STOOL_OCCULT_BLOOD, intervalMonths: 12, label: 'stool occult blood test' },
      { recordType: 'Procedure', system: SNOMED, codes: ['1015401000000102', '104435004'], intervalMonths: 12, label: 'stool occult blood test' },
    ],
  },
  {
    code: 'cervical-cancer-screening',
    title: 'Cervical cancer screening',
    description: 'Cervical cancer screening for women from 21 to 65: cervical cytology every 3 years, or a high-risk HPV test '
      + '(alone or with cytology, from age 30) every 5 years.',
    source: 'USPSTF 2018: Cervical Cancer: Screening (grade A)',
    eligibility: 'Women 21 to 65',
    fromAge: '21 years',
    untilAge: '66 years',
    gender: 'female',
    satisfiers: [
      { recordType: 'Procedure', system: SNOMED, codes: ['90226004', '171149006'], intervalMonths: 36, label: 'cervical cytology' },
      { recordType: 'Observation', system: LOINC, codes: CERVICAL_CYTOLOGY, intervalMonths: 36, label: 'cervical cytology' },
      { recordType: 'DiagnosticReport', system: LOINC, codes: CERVICAL_CYTOLOGY, intervalMonths: 36, label: 'cervical cytology' },
      { recordType: 'Observation', system: LOINC, codes: HIGH_RISK_HPV, intervalMonths: 60, label: 'high-risk HPV test' },
      { recordType: 'DiagnosticReport', system: LOINC, codes: HIGH_RISK_HPV, intervalMonths: 60, label: 'high-risk HPV test' },
    ],
  },
  {
    code: 'hba1c-diabetes',
    title: 'Hemoglobin A1c',
    description: 'An HbA1c test at least every 6 months for patients with diabetes.',
    source: 'American Diabetes Association: Standards of Care in Diabetes, Glycemic Goals (A1C at least twice a year)',
    eligibility: 'Patients with diabetes',
    conditionCodes: DIABETES,
    conditionLabel: 'diabetes',
    satisfiers: [
      { recordType: 'Observation', system: LOINC, codes: HBA1C, intervalMonths: 6, label: 'HbA1c test' },
      { recordType: 'DiagnosticReport', system: LOINC, codes: HBA1C, intervalMonths: 6, label: 'HbA1c test' },
    ],
  },
  {
    code: 'lipid-panel-cardiovascular-risk',
    title: 'Lipid panel',
    description: 'A lipid panel (or its cholesterol and triglyceride tests) every year for adults with cardiovascular risk: '
      + 'hypertension, hyperlipidemia, ischemic heart disease, stroke, heart failure or diabetes.',
    source: 'ACC/AHA 2018 Guideline on the Management of Blood Cholesterol; USPSTF 2022: Statin Use for the Primary Prevention of CVD in Adults',
    eligibility: 'Adults 18 and older with cardiovascular risk',
    fromAge: '18 years',
    conditionCodes: CARDIOVASCULAR_RISK,
    conditionLabel: 'cardiovascular risk condition (hypertension, hyperlipidemia, ischemic heart disease, stroke, heart failure or diabetes)',
    satisfiers: [
      { recordType: 'Observation', system: LOINC, codes: LIPIDS, intervalMonths: 12, label: 'lipid panel' },
      { recordType: 'DiagnosticReport', system: LOINC, codes: ['57698-3', '24331-1'], intervalMonths: 12, label: 'lipid panel' },
    ],
  },
];

const text = (value: string | null | undefined) => (value === null || value === undefined ? 'null' : `'${value.replace(/'/g, "''")}'`);
const textArray = (values: readonly string[]) => `array[${values.map(text).join(', ')}]::text[]`;

/**
 * Care gaps (src/care-gaps): preventive-care rules kept as data, the gaps evaluated from them per
 * patient, and the copy of patients' active registrations (topic `patient.registrations`) the
 * population list is filtered by.
 *
 * - `care_gap_rule`: who a rule applies to (age window as intervals: from `from_age` up to, not
 *   including, `until_age`; gender; any active condition among `condition_codes`, a jsonb object
 *   code system → codes, ICD-10 codes matching their subcodes) and `care_gap_satisfier`: which
 *   records meet it (record type + code system + codes) for how many months.
 * - `care_gap`: one row per (patient, active rule), recomputed whenever its inputs change.
 *   `applies` false: not for this patient (the reason says why); otherwise the due date (the
 *   latest "met until" of the satisfying records, never before eligibility; eligibility start, or
 *   the evaluation day, when never met). Status (DUE/OVERDUE/MET) is derived at read time.
 * - The existing patients' gaps are computed at the end (in batches, in this transaction).
 */
export class Migration20261124000600_care_gaps extends Migration {
  override async up(): Promise<void> {
    const statements = [
      `create table "clinical"."care_gap_rule" (
        "id" uuid primary key default gen_random_uuid(),
        "code" text not null unique check ("code" ~ '^[a-z0-9][a-z0-9-]*$'),
        "title" text not null,
        "description" text not null,
        "source" text not null,
        "eligibility" text not null,
        "from_age" interval null,
        "until_age" interval null,
        "gender" text null check ("gender" in ('male', 'female', 'other', 'unknown')),
        "condition_codes" jsonb null check ("condition_codes" is null or jsonb_typeof("condition_codes") = 'object'),
        "condition_label" text null,
        "due_soon_days" integer not null default 30 check ("due_soon_days" >= 0),
        "active" boolean not null default true,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "care_gap_rule_age_check" check ("from_age" is null or "until_age" is null or "until_age" > "from_age"),
        constraint "care_gap_rule_condition_label_check" check (("condition_codes" is null) = ("condition_label" is null))
      );`,
      `create table "clinical"."care_gap_satisfier" (
        "id" uuid primary key default gen_random_uuid(),
        "rule_id" uuid not null references "clinical"."care_gap_rule" ("id") on delete cascade,
        "record_type" text not null check ("record_type" in ('Immunization', 'Observation', 'Procedure', 'DiagnosticReport')),
        "code_system" text not null,
        "codes" text[] not null check (cardinality("codes") > 0),
        "interval_months" integer not null check ("interval_months" > 0),
        "label" text not null
      );`,
      `create index "care_gap_satisfier_rule_idx" on "clinical"."care_gap_satisfier" ("rule_id");`,
      `create table "clinical"."care_gap" (
        "patient_id" uuid not null,
        "rule_id" uuid not null references "clinical"."care_gap_rule" ("id") on delete cascade,
        "applies" boolean not null,
        "eligible_from" date null,
        "eligible_until" date null,
        "due_date" date null,
        "last_met_at" timestamptz null,
        "last_met_type" text null,
        "last_met_id" uuid null,
        "last_met_organization_id" uuid null,
        "reason" text not null,
        "evaluated_at" timestamptz not null default now(),
        primary key ("patient_id", "rule_id"),
        constraint "care_gap_due_check" check (not "applies" or "due_date" is not null),
        constraint "care_gap_met_check" check (("last_met_at" is null) = ("last_met_id" is null))
      );`,
      // the population list: open gaps in due-date order, of one rule or of all
      `create index "care_gap_rule_due_idx" on "clinical"."care_gap" ("rule_id", "due_date", "patient_id") where "applies";`,
      `create index "care_gap_due_idx" on "clinical"."care_gap" ("due_date", "patient_id") where "applies";`,
      // patients' active registrations, from patient.registrations events (full list per event)
      `create table "clinical"."patient_registration" (
        "organization_id" uuid not null,
        "patient_id" uuid not null,
        "last_event_id" bigint not null,
        primary key ("organization_id", "patient_id")
      );`,
      `create index "patient_registration_patient_idx" on "clinical"."patient_registration" ("patient_id");`,
    ];
    for (const rule of RULES) {
      statements.push(`insert into "clinical"."care_gap_rule"
        ("code", "title", "description", "source", "eligibility", "from_age", "until_age", "gender", "condition_codes", "condition_label")
        values (${text(rule.code)}, ${text(rule.title)}, ${text(rule.description)}, ${text(rule.source)}, ${text(rule.eligibility)},
                ${text(rule.fromAge)}::interval, ${text(rule.untilAge)}::interval, ${text(rule.gender)},
                ${rule.conditionCodes ? `${text(JSON.stringify(rule.conditionCodes))}::jsonb` : 'null'}, ${text(rule.conditionLabel)});`);
      for (const satisfier of rule.satisfiers) {
        statements.push(`insert into "clinical"."care_gap_satisfier" ("rule_id", "record_type", "code_system", "codes", "interval_months", "label")
          select "id", ${text(satisfier.recordType)}, ${text(satisfier.system)}, ${textArray(satisfier.codes)}, ${satisfier.intervalMonths}, ${text(satisfier.label)}
            from "clinical"."care_gap_rule" where "code" = ${text(rule.code)};`);
      }
    }
    // run now rather than queued (addSql): the backfill below needs the tables
    for (const statement of statements) await this.execute(statement);
    await recomputeAllCareGaps(this.getEntityManager() as EntityManager);
  }
}
