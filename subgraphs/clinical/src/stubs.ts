import { entityStub, patientAccessReference } from '@caregraph/platform';

/*
 * Entities owned by the patients subgraph, as clinical sees them: only their key. Patient is
 * resolvable here because clinical adds fields to it (Patient.encounters); the others are only
 * returned, so the gateway never asks clinical to resolve them.
 */
export const PatientRef = entityStub('Patient', { resolvable: true });
export type PatientRef = InstanceType<typeof PatientRef>;
export const OrganizationRef = entityStub('Organization', { resolvable: false });
export type OrganizationRef = InstanceType<typeof OrganizationRef>;
export const PractitionerRef = entityStub('Practitioner', { resolvable: false });
export type PractitionerRef = InstanceType<typeof PractitionerRef>;

// a Patient reference here is a read of the patient's clinical record: the policy is asked at once
export const patientReference = patientAccessReference('clinical');
