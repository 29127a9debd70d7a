import { compactFhir, fhirReference, type Address, type ContactPoint, type EverythingPartSource, type FhirResource, type HumanName, type Identifier } from '@caregraph/platform';
import type {
  Address as FhirAddress, ContactPoint as FhirContactPoint, HumanName as FhirHumanName, Identifier as FhirIdentifier,
  Organization as FhirOrganization, Patient as FhirPatient, Practitioner as FhirPractitioner,
} from '@medplum/fhirtypes';
import type { PatientsContext } from '../context';
import { Organization, OrganizationType } from '../organization/organization.entity';
import { PatientIdentifier, toIdentifier } from '../patient/patient-identifier.entity';
import { Patient } from '../patient/patient.entity';
import { Practitioner } from '../practitioner/practitioner.entity';
import { PatientRegistration } from '../registration/registration.entity';
import { CAREGRAPH_ORGANIZATION_TYPE } from './demographics';

const IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const ORGANIZATION_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
const BCP_47 = 'urn:ietf:bcp:47';

/** FHIR organization-type for ours: providers are `prov`, payers `pay`. */
const FHIR_ORGANIZATION_TYPE: Record<OrganizationType, string> = {
  [OrganizationType.HOSPITAL]: 'prov',
  [OrganizationType.PRACTICE]: 'prov',
  [OrganizationType.PAYER]: 'pay',
  [OrganizationType.OTHER]: 'other',
};

const identifierOut = (identifier: Identifier): FhirIdentifier => ({
  ...(identifier.type ? { type: { coding: [{ system: IDENTIFIER_TYPE, code: identifier.type }] } } : {}),
  system: identifier.system,
  value: identifier.value,
});
const nameOut = (name: HumanName): FhirHumanName => ({
  use: (name.use ?? undefined) as FhirHumanName['use'],
  text: name.text ?? undefined,
  family: name.family ?? undefined,
  given: name.given,
  prefix: name.prefix,
  suffix: name.suffix,
});
const telecomOut = (point: ContactPoint): FhirContactPoint => ({ system: point.system as FhirContactPoint['system'], value: point.value, use: (point.use ?? undefined) as FhirContactPoint['use'] });
const addressOut = (address: Address): FhirAddress => ({
  use: (address.use ?? undefined) as FhirAddress['use'],
  line: address.line,
  city: address.city ?? undefined,
  state: address.state ?? undefined,
  postalCode: address.postalCode ?? undefined,
  country: address.country ?? undefined,
});

/**
 * The patient as a FHIR Patient. Each registration's MRN goes out as an MR identifier assigned by
 * its organization (no system: it is the organization's own number, and the importer takes it
 * back as that registration's MRN, not as another identifier).
 */
export function patientToFhir(patient: Patient, identifiers: readonly Identifier[], registrations: readonly PatientRegistration[]): FhirPatient {
  return {
    resourceType: 'Patient',
    id: patient.id,
    meta: { lastUpdated: patient.updatedAt.toISOString() },
    identifier: [
      ...identifiers.map(identifierOut),
      ...registrations.map((registration) => ({
        type: { coding: [{ system: IDENTIFIER_TYPE, code: 'MR' }] },
        value: registration.mrn,
        assigner: fhirReference('Organization', registration.organization.id),
      })),
    ],
    active: patient.active,
    name: patient.names.map(nameOut),
    telecom: patient.telecom.map(telecomOut),
    gender: patient.gender,
    birthDate: patient.birthDate ?? undefined,
    ...(patient.deceasedAt ? { deceasedDateTime: patient.deceasedAt.toISOString() } : { deceasedBoolean: patient.deceased }),
    address: patient.addresses.map(addressOut),
    maritalStatus: patient.maritalStatus ? { coding: [{ system: patient.maritalStatus.system ?? undefined, code: patient.maritalStatus.code, display: patient.maritalStatus.display ?? undefined }] } : undefined,
    communication: patient.language ? [{ language: { coding: [{ system: BCP_47, code: patient.language }] } }] : undefined,
  };
}

/** An organization as a FHIR Organization; our own type rides beside FHIR's (whose `prov` does not tell a hospital from a practice). */
export function organizationToFhir(organization: Organization): FhirOrganization {
  return {
    resourceType: 'Organization',
    id: organization.id,
    meta: { lastUpdated: organization.updatedAt.toISOString() },
    identifier: organization.identifiers.map(identifierOut),
    active: organization.active,
    type: [{ coding: [{ system: ORGANIZATION_TYPE, code: FHIR_ORGANIZATION_TYPE[organization.type] }, { system: CAREGRAPH_ORGANIZATION_TYPE, code: organization.type }] }],
    name: organization.name,
    telecom: organization.telecom.map(telecomOut),
    address: organization.addresses.map(addressOut),
  };
}

/** A practitioner as a FHIR Practitioner (the NPI is among the identifiers it was read from). */
export function practitionerToFhir(practitioner: Practitioner): FhirPractitioner {
  return {
    resourceType: 'Practitioner',
    id: practitioner.id,
    meta: { lastUpdated: practitioner.updatedAt.toISOString() },
    identifier: practitioner.identifiers.map(identifierOut),
    active: practitioner.active,
    name: practitioner.names.map(nameOut),
    telecom: practitioner.telecom.map(telecomOut),
    address: practitioner.addresses.map(addressOut),
    gender: practitioner.gender ?? undefined,
    qualification: practitioner.qualifications.map((qualification) => ({
      code: { coding: [{ system: qualification.code.system ?? undefined, code: qualification.code.code, display: qualification.code.display ?? undefined }] },
      period: qualification.period ? { start: qualification.period.start ?? undefined, end: qualification.period.end ?? undefined } : undefined,
      issuer: fhirReference('Organization', qualification.issuerId),
    })),
  };
}

/**
 * The patients subgraph's part of `$everything`: the Patient (under the demographics decision),
 * and the directory entries the other parts point at (the gateway sends their ids), plus the
 * organizations this part itself points at (registrations, qualification issuers). Directory
 * entries are not the patient's record; they are there so every reference resolves in the Bundle.
 */
export const patientsEverything: EverythingPartSource<PatientsContext> = {
  category: 'demographics',
  resourceTypes: ['Patient', 'Organization', 'Practitioner'],
  async read(ctx, { patientId, types, referenced }) {
    const em = ctx.em.fork();
    const patient = await em.findOne(Patient, { id: patientId }, { disableIdentityMap: true });
    if (!patient) return [];
    const [identifierRows, registrations] = await Promise.all([
      em.find(PatientIdentifier, { patient: patientId }, { orderBy: { system: 'asc', value: 'asc' } }),
      em.find(PatientRegistration, { patient: patientId }, { orderBy: { registeredAt: 'asc', id: 'asc' } }),
    ]);
    const practitioners = types.has('Practitioner') && referenced.Practitioner?.length
      ? await em.find(Practitioner, { id: { $in: referenced.Practitioner } }, { orderBy: { id: 'asc' } }) : [];
    const organizationIds = new Set([
      ...(referenced.Organization ?? []),
      ...registrations.map((registration) => registration.organization.id),
      ...practitioners.flatMap((practitioner) => practitioner.qualifications.flatMap((qualification) => (qualification.issuerId ? [qualification.issuerId] : []))),
    ]);
    const organizations = types.has('Organization') && organizationIds.size
      ? await em.find(Organization, { id: { $in: [...organizationIds] } }, { orderBy: { id: 'asc' } }) : [];
    const resources: FhirResource[] = [patientToFhir(patient, identifierRows.map(toIdentifier), registrations)];
    return [...resources, ...organizations.map(organizationToFhir), ...practitioners.map(practitionerToFhir)].map(compactFhir);
  },
};
