import { foldForSearch, type Address, type Coding, type ContactPoint, type HumanName, type Identifier } from '@caregraph/platform';
import type {
  Address as FhirAddress, CodeableConcept, ContactPoint as FhirContactPoint, HumanName as FhirHumanName,
  Identifier as FhirIdentifier, Organization as FhirOrganization, Patient as FhirPatient,
} from '@medplum/fhirtypes';
import { OrganizationType } from '../organization/organization.entity';
import { normalizeName } from '../shared/names';
import { isLocalDate } from '../shared/validators';

/*
 * FHIR R4 → our columns, for what Synthea (and most servers) send. Imported data is taken as the
 * source says: mutation-only rules (10-digit NPI, BCP-47 check) do not apply here.
 */

export const names = (list: readonly FhirHumanName[] | undefined): HumanName[] =>
  (list ?? []).map((name) => normalizeName(name)).filter((name) => name.family || name.given.length || name.text);

/** Identifiers with both system and value, first of each (system, value); type = first v2-0203 code. */
export function identifiers(list: readonly FhirIdentifier[] | undefined): Identifier[] {
  const seen = new Set<string>();
  const result: Identifier[] = [];
  for (const identifier of list ?? []) {
    const system = identifier.system?.trim();
    const value = identifier.value?.trim();
    if (!system || !value || seen.has(`${system}\u0000${value}`)) continue;
    seen.add(`${system}\u0000${value}`);
    result.push({ system, value, type: identifier.type?.coding?.[0]?.code ?? null });
  }
  return result;
}

export const telecom = (list: readonly FhirContactPoint[] | undefined): ContactPoint[] =>
  (list ?? []).filter((point) => point.value).map((point) => ({ system: point.system ?? 'other', value: point.value!, use: point.use ?? null }));

export const addresses = (list: readonly FhirAddress[] | undefined): Address[] =>
  (list ?? []).map((address) => ({
    use: address.use ?? null,
    line: address.line ?? [],
    city: address.city ?? null,
    state: address.state ?? null,
    postalCode: address.postalCode ?? null,
    country: address.country ?? null,
  }));

/** First coding of a concept (or its text as a code), or null. */
export function coding(concept: CodeableConcept | undefined): Coding | null {
  const first = concept?.coding?.find((c) => c.code);
  if (first) return { system: first.system ?? null, code: first.code!, display: first.display ?? concept?.text ?? null };
  return concept?.text ? { system: null, code: concept.text, display: concept.text } : null;
}

/** The preferred (else first) communication language code, e.g. en-US. */
export function language(patient: FhirPatient): string | null {
  const communication = patient.communication?.find((c) => c.preferred) ?? patient.communication?.[0];
  return communication?.language?.coding?.find((c) => c.code)?.code ?? null;
}

/** birthDate only when it is a full date: FHIR allows "1970" or "1970-04", our column is a date. */
export const birthDate = (value: string | undefined): string | null => (isLocalDate(value) ? value : null);

export function deceased(patient: FhirPatient): { deceased: boolean; deceasedAt: Date | null } {
  if (patient.deceasedDateTime) {
    const at = new Date(patient.deceasedDateTime);
    return { deceased: true, deceasedAt: Number.isNaN(at.getTime()) ? null : at };
  }
  return { deceased: patient.deceasedBoolean === true, deceasedAt: null };
}

/** Our organization type as a coding of Organization.type, beside FHIR's organization-type. */
export const CAREGRAPH_ORGANIZATION_TYPE = 'https://caregraph.dev/fhir/CodeSystem/organization-type';
const ORGANIZATION_TYPES: readonly string[] = Object.values(OrganizationType);

/**
 * Organization.type → our type. "pay"/"ins" are payers. Synthea marks every provider "prov",
 * hospitals and urgent-care/family practices alike, so for "prov" (or no type at all) the name decides: HOSPITAL,
 * MEDICAL CENTER (or CTR) means a hospital; everything else, clinics included (outpatient
 * settings), is a practice. Other organization-type codes (dept, govt, edu, ...) are OTHER.
 */
export function organizationType(organization: FhirOrganization): OrganizationType {
  const codings = (organization.type ?? []).flatMap((concept) => concept.coding ?? []);
  // our own export says which kind it is (patients-export.ts): that wins over guessing from the name
  const ours = codings.find((c) => c.system === CAREGRAPH_ORGANIZATION_TYPE)?.code;
  if (ORGANIZATION_TYPES.includes(ours as OrganizationType)) return ours as OrganizationType;
  const codes = codings.map((c) => c.code);
  if (codes.includes('pay') || codes.includes('ins')) return OrganizationType.PAYER;
  if (codes.includes('prov') || codes.length === 0) {
    return /\bHOSPITAL\b|\bMEDICAL (CENTER|CENTRE|CTR)\b/i.test(organization.name ?? '') ? OrganizationType.HOSPITAL : OrganizationType.PRACTICE;
  }
  return OrganizationType.OTHER;
}

export const searchName = (name: string) => foldForSearch(name);
