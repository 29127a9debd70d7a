import { badInput, type BundleView, type FhirResource } from '@caregraph/platform';
import type { Encounter as FhirEncounter, Reference } from '@medplum/fhirtypes';

/**
 * Where a clinical resource of a bundle came from, as our ids (see resourceId): its patient, its
 * encounter, and the organization that recorded it. Synthea (like most EHR exports) names the
 * organization on the Encounter only, so a record takes its encounter's serviceProvider; a record
 * without an encounter (e.g. a Goal) takes the organization of the bundle's latest encounter.
 * Our own export names it on every record (`meta.source`), which wins.
 */
export interface Provenance {
  patientId: string;
  encounterId: string | null;
  organizationId: string;
}

/** The patient a resource is about: `subject` (or `patient`, as on Immunization and AllergyIntolerance). */
export function patientOf(resource: FhirResource & { subject?: Reference; patient?: Reference }, bundle: BundleView): string {
  const field = resource.subject ? 'subject' : 'patient';
  const id = bundle.resolve((resource.subject ?? resource.patient)?.reference);
  if (!id) throw badInput(`${resource.resourceType}.${field}`, `${resource.resourceType}.${field} must reference the patient`);
  return id;
}

const latestOrganization = new WeakMap<BundleView, string | null>();

/** The serviceProvider of the bundle's most recent encounter (memoised per bundle). */
function latestEncounterOrganization(bundle: BundleView): string | null {
  if (!latestOrganization.has(bundle)) {
    const encounters = (bundle.byType.get('Encounter') ?? []) as FhirEncounter[];
    const latest = [...encounters].sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''))[0];
    latestOrganization.set(bundle, bundle.resolve(latest?.serviceProvider?.reference) ?? null);
  }
  return latestOrganization.get(bundle) ?? null;
}

/**
 * The organization our own export names as the record's source (`meta.source` =
 * `urn:uuid:<organization id>`, see export.ts), when the bundle holds that Organization: a record
 * comes back from where it came, with or without an encounter.
 */
function sourceOrganization(resource: FhirResource, bundle: BundleView): string | undefined {
  const source = resource.meta?.source;
  if (!source?.startsWith('urn:uuid:')) return undefined;
  const id = bundle.resolve(source);
  return id && bundle.byId.get(id)?.resourceType === 'Organization' ? id : undefined;
}

export function provenanceOf(resource: FhirResource & { subject?: Reference; patient?: Reference; encounter?: Reference; context?: Reference }, bundle: BundleView): Provenance {
  const patientId = patientOf(resource, bundle);
  const encounterId = bundle.resolve((resource.encounter ?? resource.context)?.reference) ?? null;
  const encounter = encounterId ? (bundle.byId.get(encounterId) as FhirEncounter | undefined) : undefined;
  const organizationId = sourceOrganization(resource, bundle) ?? bundle.resolve(encounter?.serviceProvider?.reference) ?? latestEncounterOrganization(bundle);
  if (!organizationId) throw badInput(`${resource.resourceType}.encounter`, `${resource.resourceType} has no encounter with a serviceProvider to name the organization it came from`);
  return { patientId, encounterId, organizationId };
}
