import { entityStub, patientAccessReference } from '@caregraph/platform';

/*
 * Entities owned by other subgraphs, as billing sees them: only their key. Patient is resolvable
 * here because billing adds Patient.claims; the others are only returned. Billing keeps no
 * clinical data: an Encounter is just the id a claim points at.
 */
export const PatientRef = entityStub('Patient', { resolvable: true });
export type PatientRef = InstanceType<typeof PatientRef>;
export const OrganizationRef = entityStub('Organization', { resolvable: false });
export type OrganizationRef = InstanceType<typeof OrganizationRef>;
export const EncounterRef = entityStub('Encounter', { resolvable: false });
export type EncounterRef = InstanceType<typeof EncounterRef>;

// a Patient reference here is a read of the patient's billing record: the policy is asked at once
export const patientReference = patientAccessReference('billing');
