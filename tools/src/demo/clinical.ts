import type { Condition, Encounter, Immunization, Observation, Resource } from '@medplum/fhirtypes';
import { hashSeed, Random } from './prng';

/*
 * The clinical side of a demo patient: what a real chart holds so the demo (and the 100k-patient
 * benchmark) has vitals to trend, problems to list and care gaps to find. Vital signs at every
 * visit, chronic conditions for some (hypertension, type 2 diabetes with HbA1c tests), influenza
 * vaccines at some practice visits. Codes and shapes as Synthea writes them (LOINC, SNOMED CT, CVX,
 * UCUM), so the same importer paths are exercised. A random stream of its own per patient: adding
 * clinical content leaves every name, date and visit of the demo as it was.
 */

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

export type DemoClinicalResource = (Observation | Condition | Immunization) & { id: string };

interface Visit {
  encounter: Encounter & { id: string };
  /** Epoch ms of the visit's start. */
  at: number;
  atPractice: boolean;
}

const coding = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });
const quantity = (value: number, unit: string) => ({ value: Math.round(value * 10) / 10, unit, system: UCUM, code: unit });
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The observations, conditions and immunizations of demo patient `index`: `id(type, ...parts)`
 * names each resource deterministically; `ref` is how the bundle refers to a resource.
 */
export function demoClinicalRecords(
  seed: number,
  index: number,
  patient: { id: string; birthDate: string; gender: 'male' | 'female' },
  visits: readonly Visit[],
  id: (type: string, ...parts: (string | number)[]) => string,
  ref: (resource: Resource & { id: string }) => string,
): DemoClinicalResource[] {
  const random = new Random(hashSeed(seed, 'clinical', index));
  const age = (at: number) => (at - Date.parse(patient.birthDate)) / (365.25 * 24 * 3600_000);
  const adultAtLastVisit = visits.length > 0 && age(Math.max(...visits.map((v) => v.at))) >= 18;
  const hypertensive = adultAtLastVisit && random.chance(0.3);
  const diabetic = adultAtLastVisit && random.chance(0.12);
  const height = patient.gender === 'female' ? 150 + random.int(0, 25) : 162 + random.int(0, 28);
  let weight = (height - 100) * (0.8 + random.float() * 0.5);
  const subject = { reference: ref(patient as never) };
  const records: DemoClinicalResource[] = [];
  const ordered = [...visits].sort((a, b) => a.at - b.at);

  const observation = (visit: Visit, n: number, category: 'vital-signs' | 'laboratory', code: ReturnType<typeof coding>, value: Partial<Observation>): void => {
    records.push({
      resourceType: 'Observation',
      id: id('Observation', index, visit.encounter.id, n),
      status: 'final',
      category: [{ coding: [{ system: CATEGORY, code: category, display: category }] }],
      code,
      subject,
      encounter: { reference: ref(visit.encounter) },
      effectiveDateTime: iso(visit.at + 5 * 60_000),
      issued: iso(visit.at + 5 * 60_000),
      ...value,
    });
  };

  const condition = (visit: Visit, code: string, display: string): void => {
    records.push({
      resourceType: 'Condition',
      id: id('Condition', index, code),
      clinicalStatus: coding('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
      verificationStatus: coding('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
      category: [coding('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item', 'Problem List Item')],
      code: coding(SNOMED, code, display),
      subject,
      encounter: { reference: ref(visit.encounter) },
      onsetDateTime: iso(visit.at),
      recordedDate: iso(visit.at),
    });
  };

  if (ordered.length) {
    if (hypertensive) condition(ordered[0], '59621000', 'Essential hypertension (disorder)');
    if (diabetic) condition(ordered[0], '44054006', 'Diabetes mellitus type 2 (disorder)');
  }

  for (const visit of ordered) {
    weight = Math.max(3, weight * (0.97 + random.float() * 0.06));
    const systolic = (hypertensive ? 138 : 112) + random.int(0, 24);
    const diastolic = Math.min(systolic - 25, (hypertensive ? 86 : 70) + random.int(0, 14));
    observation(visit, 1, 'vital-signs', coding(LOINC, '85354-9', 'Blood pressure panel with all children optional'), {
      component: [
        { code: coding(LOINC, '8480-6', 'Systolic blood pressure'), valueQuantity: quantity(systolic, 'mm[Hg]') },
        { code: coding(LOINC, '8462-4', 'Diastolic blood pressure'), valueQuantity: quantity(diastolic, 'mm[Hg]') },
      ],
    });
    observation(visit, 2, 'vital-signs', coding(LOINC, '8867-4', 'Heart rate'), { valueQuantity: quantity(58 + random.int(0, 40), '/min') });
    observation(visit, 3, 'vital-signs', coding(LOINC, '29463-7', 'Body weight'), { valueQuantity: quantity(weight, 'kg') });
    observation(visit, 4, 'vital-signs', coding(LOINC, '39156-5', 'Body mass index (BMI) [Ratio]'), { valueQuantity: quantity(weight / (height / 100) ** 2, 'kg/m2') });
    if (diabetic) {
      observation(visit, 5, 'laboratory', coding(LOINC, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), { valueQuantity: quantity(6.2 + random.float() * 3, '%') });
    }
    if (visit.atPractice && random.chance(0.5)) {
      records.push({
        resourceType: 'Immunization',
        id: id('Immunization', index, visit.encounter.id),
        status: 'completed',
        vaccineCode: coding('http://hl7.org/fhir/sid/cvx', '140', 'Influenza, seasonal, injectable, preservative free'),
        patient: subject,
        encounter: { reference: ref(visit.encounter) },
        occurrenceDateTime: iso(visit.at + 10 * 60_000),
        primarySource: true,
      });
    }
  }
  return records;
}
