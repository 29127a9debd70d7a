import { mountEverythingPart, type SubgraphDefinition } from '@caregraph/platform';
import { patientAccessPolicy } from './access/access-policy';
import { PatientAccessHistoryResolver, PatientAccessResolver } from './access/access-history.resolver';
import { BreakGlassAccess } from './access/break-glass.entity';
import { BreakGlassResolver } from './access/break-glass.resolver';
import { PatientConsent } from './consent/consent.entity';
import { ConsentResolver, PatientConsentsResolver } from './consent/consent.resolver';
import { createPatientsContext, type PatientsContext } from './context';
import { patientsEverything } from './fhir/patients-export';
import { migrations } from './migrations';
import { Organization } from './organization/organization.entity';
import { organizationReference } from './organization/organization.reference';
import { OrganizationResolver } from './organization/organization.resolver';
import { PatientIdentifier } from './patient/patient-identifier.entity';
import { PatientNameToken } from './patient/patient-name-token.entity';
import { Patient } from './patient/patient.entity';
import { patientReference } from './patient/patient.reference';
import { PatientResolver } from './patient/patient.resolver';
import { PractitionerNameToken } from './practitioner/practitioner-name-token.entity';
import { PractitionerRole } from './practitioner/practitioner-role.entity';
import { OrganizationRolesResolver, PractitionerRoleResolver } from './practitioner/practitioner-role.resolver';
import { Practitioner } from './practitioner/practitioner.entity';
import { practitionerReference } from './practitioner/practitioner.reference';
import { PractitionerQualificationResolver, PractitionerResolver } from './practitioner/practitioner.resolver';
import { PatientRegistration } from './registration/registration.entity';
import { RegistrationResolver } from './registration/registration.resolver';

/** The patients subgraph: demographics, organizations, practitioners, registrations, consents, break-glass. */
export const patientsSubgraph: SubgraphDefinition<PatientsContext> = {
  name: 'patients',
  database: {
    schema: 'patients',
    entities: [
      Organization,
      Patient, PatientIdentifier, PatientNameToken,
      Practitioner, PractitionerNameToken, PractitionerRole,
      PatientRegistration,
      PatientConsent, BreakGlassAccess,
    ],
    migrations,
  },
  resolvers: [
    OrganizationResolver, OrganizationRolesResolver,
    PatientResolver, RegistrationResolver,
    PractitionerResolver, PractitionerQualificationResolver, PractitionerRoleResolver,
    ConsentResolver, PatientConsentsResolver, BreakGlassResolver,
    PatientAccessHistoryResolver, PatientAccessResolver,
  ],
  referenceResolvers: { ...organizationReference, ...patientReference, ...practitionerReference },
  createContext: createPatientsContext,
  // the patient access policy lives here, beside the registrations, consents and break-glass it rests on
  accessPolicy: patientAccessPolicy,
  // the demographics part of GET /fhir/Patient/{id}/$everything, with the directory entries the other parts point at
  routes: (app, services) => mountEverythingPart(app, services, patientsEverything),
  // an organization's directory entry reads the same for everyone: the gateway reuses it for a
  // minute instead of asking here for the name beside every chart item (practitionerRoles is not in it)
  publicEntities: {
    Organization: { fields: ['id', 'name', 'type', 'active', 'createdAt', 'updatedAt'], maxAgeSeconds: 60 },
  },
};
