import { groupedBy, orderByIds, type RequestContext } from '@caregraph/platform';
import { forbidden, unauthenticated } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { BreakGlassService } from './access/break-glass.service';
import type { PatientConsent } from './consent/consent.entity';
import { CONSENT_VIEWERS, ConsentService, patientsManagedBy } from './consent/consent.service';
import { Organization } from './organization/organization.entity';
import { OrganizationService } from './organization/organization.service';
import type { PatientIdentifier } from './patient/patient-identifier.entity';
import type { Patient } from './patient/patient.entity';
import { PatientService } from './patient/patient.service';
import type { PractitionerRole } from './practitioner/practitioner-role.entity';
import { PractitionerRoleService } from './practitioner/practitioner-role.service';
import type { Practitioner } from './practitioner/practitioner.entity';
import { PractitionerService } from './practitioner/practitioner.service';
import type { PatientRegistration } from './registration/registration.entity';
import { RegistrationService } from './registration/registration.service';

/** The patients subgraph's per-request context: services bound to this request's EntityManager and principal. */
export interface PatientsContext extends RequestContext {
  organizations: OrganizationService;
  patients: PatientService;
  practitioners: PractitionerService;
  practitionerRoles: PractitionerRoleService;
  registrations: RegistrationService;
  consents: ConsentService;
  breakGlass: BreakGlassService;
  loaders: {
    /** Batches organization lookups (registrations, `_entities`) into one query per tick. */
    organization: DataLoader<string, Organization | null>;
    patient: DataLoader<string, Patient | null>;
    practitioner: DataLoader<string, Practitioner | null>;
    /** Identifier rows of patients by patient id (Patient.identifiers on a page of patients). */
    patientIdentifiers: DataLoader<string, PatientIdentifier[]>;
    /** Registrations by patient id (Patient.registrations). */
    patientRegistrations: DataLoader<string, PatientRegistration[]>;
    /** Roles by practitioner id (Practitioner.roles). */
    practitionerRoles: DataLoader<string, PractitionerRole[]>;
    /** Consents by patient id, newest first (Patient.consents); an error where the caller may not see them. */
    patientConsents: DataLoader<string, PatientConsent[]>;
  };
}

export function createPatientsContext(base: RequestContext): PatientsContext {
  const organizations = new OrganizationService(base);
  const patients = new PatientService(base);
  const practitioners = new PractitionerService(base);
  const practitionerRoles = new PractitionerRoleService(base);
  const registrations = new RegistrationService(base);
  const consents = new ConsentService(base);
  return {
    ...base,
    organizations,
    patients,
    practitioners,
    practitionerRoles,
    registrations,
    consents,
    breakGlass: new BreakGlassService(base),
    loaders: {
      organization: new DataLoader(async (ids) => orderByIds(ids, await organizations.findByIds(ids))),
      /** Patients the caller may see (the others are null, like unknown ids); reads audited. */
      patient: new DataLoader(async (ids) => patients.visibleByIds(ids)),
      practitioner: new DataLoader(async (ids) => orderByIds(ids, await practitioners.findByIds(ids))),
      patientIdentifiers: new DataLoader(async (ids) => groupedBy(ids, await patients.identifiersOf(ids), (row) => row.patient.id)),
      patientRegistrations: new DataLoader(async (ids) => groupedBy(ids, await registrations.ofPatients(ids), (row) => row.patient.id)),
      practitionerRoles: new DataLoader(async (ids) => groupedBy(ids, await practitionerRoles.ofPractitioners(ids), (row) => row.practitioner.id)),
      patientConsents: new DataLoader<string, PatientConsent[]>(async (ids) => {
        if (base.principal.kind === 'anonymous') return ids.map(() => unauthenticated()); // DataLoader rejects the load of an Error
        const visible = await patientsManagedBy(base.em, base.principal, ids, CONSENT_VIEWERS);
        const groups = groupedBy([...visible], await consents.ofPatients([...visible]), (row) => row.patient.id);
        const byId = new Map([...visible].map((id, index) => [id, groups[index]]));
        return ids.map((id) => {
          const consentsOfPatient = byId.get(id.toLowerCase());
          if (!consentsOfPatient) {
            base.access.audit.noteDenied(id.toLowerCase(), 'Consent');
            return forbidden('Not allowed to see this patient\'s consents');
          }
          base.access.audit.noteRead(id.toLowerCase(), 'Consent', consentsOfPatient.length);
          return consentsOfPatient;
        });
      }),
    },
  };
}
