import { entityStub, stubReference } from '@caregraph/platform';

/*
 * Entities owned by the patients subgraph, as messaging sees them: only their key. Patient is
 * resolvable here because messaging adds Patient.chartComments; Practitioner is only returned.
 */
export const PatientRef = entityStub('Patient', { resolvable: true });
export type PatientRef = InstanceType<typeof PatientRef>;
export const PractitionerRef = entityStub('Practitioner', { resolvable: false });
export type PractitionerRef = InstanceType<typeof PractitionerRef>;

export const patientReference = stubReference('Patient');
