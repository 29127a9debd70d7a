import {
  badInput, CLINICIAN_ROLES, forbidden, notFound, perRequest, requireStaff, type CodingInput, type Connection, type RequestContext,
  mapReadOnly, type ListSelection } from '@caregraph/platform';
import { validate as isUuid } from 'uuid';
import { listChartRecords } from '../../chart/chart-list';
import type { ClinicalContext } from '../../context';
import { isLoincCode, LOINC, toCoding } from '../shared/codes';
import { UCUM, type StoredQuantity } from '../shared/quantity';
import {
  Observation, ObservationCategory, ObservationStatus, OBSERVATION_CATEGORY_SYSTEM, RESULTED_OBSERVATION_STATUSES, type StoredComponent,
} from './observation.entity';
import type { PatientObservationsArgs, RecordObservationComponentInput, RecordObservationInput, RecordObservationsInput } from './observation.inputs';
import { BLOOD_PRESSURE_PANEL, DIASTOLIC, describeRange, KNOWN_OBSERVATION_CODES, SYSTOLIC, withinRange, type KnownMeasurement } from './vital-signs';

const CATEGORY_DISPLAY: Record<ObservationCategory, string> = {
  [ObservationCategory.VITAL_SIGNS]: 'Vital Signs',
  [ObservationCategory.LABORATORY]: 'Laboratory',
  [ObservationCategory.SURVEY]: 'Survey',
  [ObservationCategory.SOCIAL_HISTORY]: 'Social History',
  [ObservationCategory.EXAM]: 'Exam',
  [ObservationCategory.IMAGING]: 'Imaging',
  [ObservationCategory.PROCEDURE]: 'Procedure',
  [ObservationCategory.THERAPY]: 'Therapy',
  [ObservationCategory.ACTIVITY]: 'Activity',
};

/** Clocks of the entering device and the server differ a little: "not in the future" allows this much. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const EARLIEST = new Date('1900-01-01T00:00:00Z');

const ucumQuantity = (value: number, unit: string): StoredQuantity => ({ value, unit, unitCode: unit, system: UCUM, comparator: null });

/** A LOINC coding, or BAD_USER_INPUT on `<field>.system` / `<field>.code`. */
export function requireLoinc(coding: CodingInput, field: string): void {
  if (coding.system !== LOINC) throw badInput(`${field}.system`, `${field} must be a LOINC coding (system ${LOINC})`);
  if (!isLoincCode(coding.code)) throw badInput(`${field}.code`, `${field}.code is not a valid LOINC code`);
}

/** A measurement in the expected unit and physical range; BAD_USER_INPUT on `<prefix>.value` / `<prefix>.unit`. */
function checkMeasurement(value: number | null | undefined, unit: string | null | undefined, expected: KnownMeasurement, prefix: string): void {
  if (value === null || value === undefined) throw badInput(`${prefix}.value`, `${expected.name} needs a value in ${expected.unit}`);
  if (unit !== expected.unit) throw badInput(`${prefix}.unit`, `${expected.name} must be given in ${expected.unit} (UCUM)`);
  if (!withinRange(value, expected.range)) throw badInput(`${prefix}.value`, describeRange(expected));
}

/** value and unit come together: a measurement needs its unit, a unit needs a measurement. */
function checkUnitPairing(value: number | null | undefined, unit: string | null | undefined, prefix: string): void {
  const hasValue = value !== null && value !== undefined;
  if (hasValue && !unit) throw badInput(`${prefix}.unit`, 'a measurement needs its UCUM unit');
  if (!hasValue && unit) throw badInput(`${prefix}.value`, 'unit was given without a value');
}

function checkComponent(component: RecordObservationComponentInput, prefix: string): void {
  requireLoinc(component.code, `${prefix}.code`);
  checkUnitPairing(component.value, component.unit, prefix);
  if (component.value !== null && component.value !== undefined && component.valueCoding) throw badInput(`${prefix}.value`, 'give either value or valueCoding');
}

/** The number of value[x] an input gives (at most one is allowed). */
function valueKinds(input: RecordObservationInput): number {
  return [input.value, input.valueCoding, input.valueString, input.valueBoolean, input.valueInteger].filter((value) => value !== null && value !== undefined).length;
}

/**
 * Checks one entered observation (a clinician's, a device's reading) and returns its category;
 * BAD_USER_INPUT naming the field (`observations[2].value`), never the value. Pure: nothing is
 * read or written.
 */
export function checkObservationEntry(input: RecordObservationInput, prefix: string, now: Date): ObservationCategory {
  requireLoinc(input.code, `${prefix}.code`);
  if (input.effectiveAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw badInput(`${prefix}.effectiveAt`, 'effectiveAt must not be in the future');
  if (input.effectiveAt < EARLIEST) throw badInput(`${prefix}.effectiveAt`, 'effectiveAt must not be before 1900');
  if (valueKinds(input) > 1) throw badInput(`${prefix}.value`, 'give one value: value (with unit), valueCoding, valueString, valueBoolean or valueInteger');
  checkUnitPairing(input.value, input.unit, prefix);
  const components = input.components ?? [];

  const known = KNOWN_OBSERVATION_CODES[input.code.code];
  if (!known) {
    if (!input.category) throw badInput(`${prefix}.category`, 'category is required for codes other than the known vital signs and labs');
    components.forEach((component, index) => checkComponent(component, `${prefix}.components[${index}]`));
    if (!valueKinds(input) && !components.length) throw badInput(`${prefix}.value`, 'an observation needs a value or components');
    return input.category;
  }
  if (input.category && input.category !== known.category) throw badInput(`${prefix}.category`, `${known.name} is a ${CATEGORY_DISPLAY[known.category]} observation`);

  if (known.measurement) {
    if (valueKinds(input) && (input.value === null || input.value === undefined)) throw badInput(`${prefix}.value`, `${known.name} is a measurement: give value and unit`);
    checkMeasurement(input.value, input.unit, known.measurement, prefix);
    if (components.length) throw badInput(`${prefix}.components`, `${known.name} has no components`);
    return known.category;
  }

  // a panel: exactly its components, no value of its own
  const expected = known.components ?? {};
  if (valueKinds(input)) throw badInput(`${prefix}.value`, `a ${known.name} panel has no value of its own: give its components`);
  const seen = new Map<string, number>();
  components.forEach((component, index) => {
    const field = `${prefix}.components[${index}]`;
    requireLoinc(component.code, `${field}.code`);
    const measurement = expected[component.code.code];
    if (!measurement) throw badInput(`${field}.code`, `${field}.code is not a component of ${known.name} (expected ${Object.keys(expected).join(', ')})`);
    if (seen.has(component.code.code)) throw badInput(`${field}.code`, `${field}.code appears twice`);
    seen.set(component.code.code, index);
    if (component.valueCoding) throw badInput(`${field}.valueCoding`, `${measurement.name} is a measurement: give value and unit`);
    checkMeasurement(component.value, component.unit, measurement, field);
  });
  const missing = Object.keys(expected).filter((code) => !seen.has(code));
  if (missing.length) throw badInput(`${prefix}.components`, `${known.name} needs components ${missing.join(', ')}`);
  if (input.code.code === BLOOD_PRESSURE_PANEL) {
    const systolic = components[seen.get(SYSTOLIC)!].value!;
    const diastolic = components[seen.get(DIASTOLIC)!].value!;
    if (diastolic >= systolic) throw badInput(`${prefix}.components[${seen.get(DIASTOLIC)}].value`, 'the diastolic pressure must be lower than the systolic');
  }
  return known.category;
}

/**
 * The columns an entered observation (checked by checkObservationEntry) takes from the entry:
 * final, its category, code, effective time, value or components; issued `now`. Provenance
 * (patient, organization, encounter, device) is the caller's to add.
 */
export function enteredObservationData(entry: RecordObservationInput, category: ObservationCategory, now: Date) {
  const hasQuantity = entry.value !== null && entry.value !== undefined;
  return {
    status: ObservationStatus.FINAL,
    categories: [{ system: OBSERVATION_CATEGORY_SYSTEM, code: category, display: CATEGORY_DISPLAY[category] }],
    category,
    code: toCoding(entry.code),
    codeValue: entry.code.code,
    effectiveAt: entry.effectiveAt,
    issuedAt: now,
    valueQuantity: hasQuantity ? String(entry.value) : null,
    valueUnit: hasQuantity ? entry.unit : null,
    valueUnitCode: hasQuantity ? entry.unit : null,
    valueSystem: hasQuantity ? UCUM : null,
    valueCodeableConcept: entry.valueCoding ? toCoding(entry.valueCoding) : null,
    valueString: entry.valueString ?? null,
    valueBoolean: entry.valueBoolean ?? null,
    valueInteger: entry.valueInteger ?? null,
    components: (entry.components ?? []).map((component): StoredComponent => ({
      code: toCoding(component.code),
      quantity: component.value !== null && component.value !== undefined ? ucumQuantity(component.value, component.unit!) : null,
      coding: component.valueCoding ? toCoding(component.valueCoding) : null,
    })),
  };
}

/** Observations of a patient: lists, latest vital signs, a clinician's entry. */
export class ObservationService {
  constructor(private readonly ctx: RequestContext) {}

  static of(ctx: RequestContext): ObservationService {
    return perRequest(ctx, ObservationService, () => new ObservationService(ctx));
  }

  /** A patient's observations, newest first, with the chart filters; null when the caller may not see the patient's clinical record. */
  listForPatient(patientId: string, args: PatientObservationsArgs, selection: ListSelection): Promise<Connection<Observation> | null> {
    return listChartRecords(this.ctx, {
      entity: Observation,
      recordType: 'Observation',
      patientId,
      args,
      dateField: 'effectiveAt',
      codeField: 'codeValue',
      where: { ...(args.status && { status: args.status }), ...(args.category && { category: args.category }) },
      selection,
    });
  }

  /**
   * The newest resulted vital-sign observation per code, in code order: one statement, `distinct
   * on` over the vital-signs partial index (its predicate is a constant here, so the planner can
   * match it). Null when the caller may not see the patient's clinical record.
   */
  async latestVitals(patientId: string): Promise<Observation[] | null> {
    if (!isUuid(patientId)) return null;
    const rows = await this.ctx.access.readIfAllowed(patientId, 'clinical', 'Observation', (): Promise<Record<string, unknown>[]> => this.ctx.em.getConnection().execute(
      `select distinct on ("code_value") * from "clinical"."observation"
        where "patient_id" = ? and "category" = 'vital-signs' and "status" in (${RESULTED_OBSERVATION_STATUSES.map(() => '?').join(', ')})
        order by "code_value", "effective_at" desc, "id"`,
      [patientId.toLowerCase(), ...RESULTED_OBSERVATION_STATUSES],
    ));
    if (!rows) return null;
    const observations = rows.map((row) => mapReadOnly(this.ctx.em, Observation, row));
    if (observations.length) this.ctx.access.noteRead(patientId, 'clinical', 'Observation', observations.length);
    return observations;
  }

  /**
   * A clinician records observations (vitals, point-of-care results) of a patient whose chart
   * they may see, at their own organization: every entry is checked first; all are written with
   * their audit row in one transaction, or none.
   */
  async record(input: RecordObservationsInput): Promise<Observation[]> {
    const clinician = requireStaff(this.ctx.principal, CLINICIAN_ROLES, 'record observations');
    const now = new Date();
    const categories = input.observations.map((entry, index) => checkObservationEntry(entry, `observations[${index}]`, now));
    await this.ctx.access.requireWrite(input.patientId, 'clinical', 'Observation', 'patientId', () => true);
    const patientId = input.patientId.toLowerCase();

    let encounterId: string | null = null;
    if (input.encounterId) {
      const encounter = await (this.ctx as ClinicalContext).loaders.encounter.load(input.encounterId);
      if (!encounter || encounter.patientId !== patientId) throw notFound('Encounter', 'encounterId');
      if (encounter.organizationId !== clinician.organizationId) throw forbidden("Observations are linked to your own organization's encounters", 'encounterId');
      encounterId = encounter.id;
    }

    const observations = input.observations.map((entry, index) => this.ctx.em.create(Observation, {
      patientId,
      organizationId: clinician.organizationId,
      encounterId,
      ...enteredObservationData(entry, categories[index], now),
    }));
    await this.ctx.access.flushAudited(this.ctx.em, patientId, 'clinical', 'Observation', { operation: 'create', records: observations.length });
    return observations;
  }
}
