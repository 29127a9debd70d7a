import { ObservationCategory } from './observation.entity';

/** A physically possible range (bounds exclusive unless marked inclusive): beyond it a value is a typo, not a finding. */
export interface PhysicalRange {
  min: number;
  max: number;
  minInclusive?: boolean;
  maxInclusive?: boolean;
}

export interface KnownMeasurement {
  name: string;
  /** The UCUM code the value must be given in. */
  unit: string;
  range: PhysicalRange;
}

export interface KnownObservationCode {
  name: string;
  category: ObservationCategory;
  /** A single measurement (value + unit)… */
  measurement?: KnownMeasurement;
  /** …or a panel of exactly these components (by LOINC code), and no value of its own. */
  components?: Record<string, KnownMeasurement>;
}

export const BLOOD_PRESSURE_PANEL = '85354-9';
export const SYSTOLIC = '8480-6';
export const DIASTOLIC = '8462-4';
/**
 * LOINC codes of a blood pressure panel with systolic and diastolic components: 85354-9 (what
 * clinicians enter) and 55284-4 (what Synthea and many EHR exports write).
 */
export const BLOOD_PRESSURE_PANELS: readonly string[] = [BLOOD_PRESSURE_PANEL, '55284-4'];

const percent = (name: string): KnownMeasurement => ({ name, unit: '%', range: { min: 0, max: 100, maxInclusive: true } });

/**
 * The LOINC codes a clinician's entry checks strictly: the UCUM unit they must come in and the
 * physically possible values. Other LOINC codes are accepted with any UCUM unit.
 */
export const KNOWN_OBSERVATION_CODES: Readonly<Record<string, KnownObservationCode>> = {
  '8302-2': { name: 'body height', category: ObservationCategory.VITAL_SIGNS, measurement: { name: 'body height', unit: 'cm', range: { min: 0, max: 300 } } },
  '29463-7': { name: 'body weight', category: ObservationCategory.VITAL_SIGNS, measurement: { name: 'body weight', unit: 'kg', range: { min: 0, max: 700 } } },
  '39156-5': { name: 'BMI', category: ObservationCategory.VITAL_SIGNS, measurement: { name: 'BMI', unit: 'kg/m2', range: { min: 0, max: 250 } } },
  '8867-4': { name: 'heart rate', category: ObservationCategory.VITAL_SIGNS, measurement: { name: 'heart rate', unit: '/min', range: { min: 10, max: 350, minInclusive: true, maxInclusive: true } } },
  '8310-5': { name: 'body temperature', category: ObservationCategory.VITAL_SIGNS, measurement: { name: 'body temperature', unit: 'Cel', range: { min: 25, max: 45, minInclusive: true, maxInclusive: true } } },
  '9279-1': { name: 'respiratory rate', category: ObservationCategory.VITAL_SIGNS, measurement: { name: 'respiratory rate', unit: '/min', range: { min: 0, max: 150, maxInclusive: true } } },
  [BLOOD_PRESSURE_PANEL]: {
    name: 'blood pressure',
    category: ObservationCategory.VITAL_SIGNS,
    components: {
      [SYSTOLIC]: { name: 'systolic blood pressure', unit: 'mm[Hg]', range: { min: 30, max: 300, minInclusive: true, maxInclusive: true } },
      [DIASTOLIC]: { name: 'diastolic blood pressure', unit: 'mm[Hg]', range: { min: 10, max: 200, minInclusive: true, maxInclusive: true } },
    },
  },
  '2708-6': { name: 'oxygen saturation', category: ObservationCategory.VITAL_SIGNS, measurement: percent('oxygen saturation') },
  '59408-5': { name: 'oxygen saturation', category: ObservationCategory.VITAL_SIGNS, measurement: percent('oxygen saturation') },
  '4548-4': { name: 'HbA1c', category: ObservationCategory.LABORATORY, measurement: { name: 'HbA1c', unit: '%', range: { min: 2, max: 25, minInclusive: true, maxInclusive: true } } },
  '2339-0': { name: 'glucose', category: ObservationCategory.LABORATORY, measurement: { name: 'glucose', unit: 'mg/dL', range: { min: 0, max: 5000 } } },
};

/**
 * What one LOINC code measures: a known code's own value (29463-7 body weight), or a component of
 * a known panel (8480-6 systolic blood pressure); undefined for codes not checked strictly.
 */
export function knownMeasurement(code: string): KnownMeasurement | undefined {
  const known = KNOWN_OBSERVATION_CODES[code];
  if (known?.measurement) return known.measurement;
  return Object.values(KNOWN_OBSERVATION_CODES).map((panel) => panel.components?.[code]).find(Boolean);
}

export function withinRange(value: number, range: PhysicalRange): boolean {
  const aboveMin = range.minInclusive ? value >= range.min : value > range.min;
  const belowMax = range.maxInclusive ? value <= range.max : value < range.max;
  return aboveMin && belowMax;
}

/** The range in words, for an error message (never the value itself). */
export function describeRange(measurement: KnownMeasurement): string {
  const { min, max, minInclusive, maxInclusive } = measurement.range;
  return `${measurement.name} must be ${minInclusive ? 'at least' : 'more than'} ${min} and ${maxInclusive ? 'at most' : 'less than'} ${max} ${measurement.unit}`;
}
