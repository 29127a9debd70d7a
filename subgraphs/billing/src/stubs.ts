import { entityStub, stubReference } from '@caregraph/platform';

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

export const patientReference = stubReference('Patient');
