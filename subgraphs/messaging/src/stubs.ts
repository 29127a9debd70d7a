import { ROLES, entityStub, stubReference } from '@caregraph/platform';
import { registerEnumType } from 'type-graphql';

/*
 * Entities owned by the patients subgraph, as messaging sees them: only their key. Patient is
 * resolvable here because messaging adds Patient.chartComments; Practitioner and Organization are
 * only returned.
 */
export const PatientRef = entityStub('Patient', { resolvable: true });
export type PatientRef = InstanceType<typeof PatientRef>;
export const PractitionerRef = entityStub('Practitioner', { resolvable: false });
export type PractitionerRef = InstanceType<typeof PractitionerRef>;
export const OrganizationRef = entityStub('Organization', { resolvable: false });
export type OrganizationRef = InstanceType<typeof OrganizationRef>;

export const patientReference = stubReference('Patient');

/** The identity subgraph's UserRole, as messaging returns it (same name, values and description). */
export const UserRole = Object.fromEntries(ROLES.map((role) => [role.toUpperCase(), role]));
registerEnumType(UserRole, { name: 'UserRole', description: 'What a user account may do' });
