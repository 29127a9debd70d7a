import { badInput, type BundleView, type Coding, type CodingInput } from '@caregraph/platform';
import type { CodeableConcept, Reference } from '@medplum/fhirtypes';
import type { ClinicalContext } from '../context';

/*
 * What the problem-list features (conditions, allergies, immunizations, procedures) share: code
 * systems, FHIR code parsing, the write-side date and encounter checks, and records per encounter.
 */

export const SNOMED = 'http://snomed.info/sct';
export const ICD10_CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CVX = 'http://hl7.org/fhir/sid/cvx';

/** A coding input as stored (system and display as given; absent ones null). */
export const toCoding = (coding: CodingInput): Coding => ({ system: coding.system ?? null, code: coding.code, display: coding.display ?? null });

/** The coding, when its system is one `field` accepts; BAD_USER_INPUT naming `field.system` otherwise. */
export function codingFrom(coding: CodingInput, systems: readonly string[], field: string): Coding {
  if (!coding.system || !systems.includes(coding.system)) throw badInput(`${field}.system`, `${field}.system must be one of ${systems.join(', ')}`);
  return toCoding(coding);
}

/** A FHIR `code` element (Immunization.status, ...) that must be one of `codes`; undefined stays null. */
export function fhirCode<T extends string>(value: string | undefined, codes: readonly T[], field: string): T | null {
  if (value === undefined || value === null) return null;
  if (!codes.includes(value as T)) throw badInput(field, `${field} is not one of ${codes.join(', ')}`);
  return value as T;
}

/**
 * The code of a status-like CodeableConcept (Condition.clinicalStatus, ...): the coding of
 * `system` when there is one, else the first coding with a code. Absent → null; a code outside
 * the value set → BAD_USER_INPUT naming `field`.
 */
export function conceptCode<T extends string>(concept: CodeableConcept | undefined, system: string, codes: readonly T[], field: string): T | null {
  if (!concept) return null;
  const codings = (concept.coding ?? []).filter((coding) => coding.code);
  const coding = codings.find((c) => c.system === system) ?? codings[0];
  if (!coding) throw badInput(field, `${field} must have a coding with a code`);
  return fhirCode(coding.code, codes, field);
}

/** The practitioner a reference points at (not a PractitionerRole, Patient, Organization, ...), or null. */
export function practitionerIdOf(reference: Reference | undefined, bundle: BundleView): string | null {
  const id = bundle.resolve(reference?.reference);
  if (!id) return null;
  const type = bundle.byId.get(id)?.resourceType ?? /^([A-Z][A-Za-z]+)\//.exec(reference?.reference ?? '')?.[1];
  return type === 'Practitioner' ? id : null;
}

/** Devices' clocks drift: "now" as a client sends it may be a little ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** BAD_USER_INPUT naming `field` when `date` lies in the future. */
export function notInFuture(date: Date | null | undefined, field: string): void {
  if (date && date.getTime() > Date.now() + CLOCK_SKEW_MS) throw badInput(field, `${field} must not be in the future`);
}

/**
 * The encounter a written record links to: it must be one of the patient's encounters the caller
 * may see. Unknown, hidden and another patient's encounters all answer the same (no existence leak).
 */
export async function encounterOfPatient(ctx: ClinicalContext, encounterId: string | null | undefined, patientId: string): Promise<string | null> {
  if (!encounterId) return null;
  const encounter = await ctx.loaders.encounter.load(encounterId);
  if (!encounter || encounter.patientId !== patientId.toLowerCase()) throw badInput('encounterId', "encounterId must be one of the patient's encounters");
  return encounter.id;
}
