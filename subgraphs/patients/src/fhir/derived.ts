import { createHash } from 'node:crypto';
import type { BundleView } from '@caregraph/platform';
import type { Encounter, Patient as FhirPatient } from '@medplum/fhirtypes';

/** The role given to practitioners seen at an organization's encounters (Synthea has no PractitionerRole). */
export const ENCOUNTER_ROLE = { system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor', display: 'Doctor' };

export interface DerivedPair {
  /** patient or practitioner id */
  subjectId: string;
  organizationId: string;
  /** earliest encounter start for the pair, if any */
  since: Date | null;
}

/**
 * What the bundle's encounters imply: each (patient, serviceProvider) pair means the organization
 * holds a record of the patient; each (participant practitioner, serviceProvider) pair means the
 * practitioner works there.
 */
export function encounterPairs(bundle: BundleView): { registrations: DerivedPair[]; roles: DerivedPair[] } {
  const registrations = new Map<string, DerivedPair>();
  const roles = new Map<string, DerivedPair>();
  const add = (map: Map<string, DerivedPair>, subjectId: string, organizationId: string, start: Date | null) => {
    const key = `${subjectId}|${organizationId}`;
    const pair = map.get(key);
    if (!pair) map.set(key, { subjectId, organizationId, since: start });
    else if (start && (!pair.since || start < pair.since)) pair.since = start;
  };
  for (const resource of bundle.byType.get('Encounter') ?? []) {
    const encounter = resource as Encounter;
    const organizationId = bundle.resolve(encounter.serviceProvider?.reference);
    if (!organizationId) continue;
    const started = encounter.period?.start ? new Date(encounter.period.start) : null;
    const start = started && !Number.isNaN(started.getTime()) ? started : null;
    const patientId = bundle.resolve(encounter.subject?.reference);
    if (patientId) add(registrations, patientId, organizationId, start);
    for (const participant of encounter.participant ?? []) {
      const reference = participant.individual?.reference;
      const practitionerId = bundle.resolve(reference);
      // individual may also be a RelatedPerson or PractitionerRole: keep Practitioner targets only
      const target = practitionerId ? bundle.byId.get(practitionerId) : undefined;
      if (practitionerId && (target ? target.resourceType === 'Practitioner' : reference?.startsWith('Practitioner/'))) {
        add(roles, practitionerId, organizationId, start);
      }
    }
  }
  return { registrations: [...registrations.values()], roles: [...roles.values()] };
}

/**
 * The MRN an organization gave the patient, when the Patient resource says so: an identifier of
 * type MR whose `assigner` is that organization. Otherwise the derived number below.
 */
export function registrationMrn(patientId: string, organizationId: string, bundle: BundleView): string {
  const patient = bundle.byId.get(patientId) as FhirPatient | undefined;
  const assigned = patient?.identifier?.find(
    (identifier) =>
      identifier.value &&
      identifier.type?.coding?.some((coding) => coding.code === 'MR') &&
      bundle.resolve(identifier.assigner?.reference) === organizationId,
  );
  return assigned?.value ?? derivedMrn(organizationId, patientId);
}

/**
 * The local MRN an organization gets for an imported patient: 16 digits from a hash of
 * (organization, patient), so re-imports derive the same number and no counter is shared.
 * Collisions within one organization are ~n²/2·10⁻¹⁶ (5·10⁻⁷ at 100,000 patients).
 */
export function derivedMrn(organizationId: string, patientId: string): string {
  const digest = createHash('sha256').update(`${organizationId}:${patientId}`).digest();
  return (digest.readBigUInt64BE(0) % 10n ** 16n).toString().padStart(16, '0');
}

export const dateOnly = (date: Date | null): string | null => (date ? date.toISOString().slice(0, 10) : null);
