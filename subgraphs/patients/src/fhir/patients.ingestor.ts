import { resourceId, tally, type BundleView, type EntityManager, type FhirIngestor, type FhirResource, type IngestCounts } from '@caregraph/platform';
import type { Organization as FhirOrganization, Patient as FhirPatient, Practitioner as FhirPractitioner } from '@medplum/fhirtypes';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { syncPatientRows } from '../patient/patient.service';
import { publishDemographics } from '../patient/demographics-events';
import { publishRegistrations } from '../registration/registration-events';
import { PractitionerRole, codeKey } from '../practitioner/practitioner-role.entity';
import { Practitioner } from '../practitioner/practitioner.entity';
import { syncPractitionerRows } from '../practitioner/practitioner.service';
import { PatientRegistration } from '../registration/registration.entity';
import { genderFromFhir } from '../shared/gender';
import { NPI_SYSTEM } from '../shared/validators';
import * as fhir from './demographics';
import { ENCOUNTER_ROLE, dateOnly, encounterPairs, registrationMrn } from './derived';

type WithId<T> = T & { ourId: string };

/** Resources of one type with our id (resourceId), the last one winning when listed twice. */
function ofType<T extends FhirResource>(resources: readonly FhirResource[], type: string): WithId<T>[] {
  const byId = new Map<string, WithId<T>>();
  for (const resource of resources) {
    if (resource.resourceType === type && resource.id) byId.set(resourceId(type, resource.id), { ...(resource as T), ourId: resourceId(type, resource.id) });
  }
  return [...byId.values()];
}

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));

/** Ids among `wanted` that are being imported now or already stored (one query for the rest). */
async function knownIds(em: EntityManager, entity: typeof Patient | typeof Organization | typeof Practitioner, wanted: Iterable<string>, importing: Set<string>): Promise<Set<string>> {
  const known = new Set([...wanted].filter((id) => importing.has(id)));
  const missing = [...new Set([...wanted].filter((id) => !importing.has(id)))];
  if (missing.length) {
    const rows = await em.find(entity as typeof Organization, { id: { $in: missing } }, { fields: ['id'] });
    for (const row of rows) known.add(row.id);
  }
  return known;
}

/**
 * The patients subgraph's side of a FHIR import: Organization, Practitioner and Patient upserted
 * by id (resourceId), plus what the bundle's encounters imply: a PatientRegistration per
 * (patient, serviceProvider) and a PractitionerRole per (participant, serviceProvider).
 *
 * All reads happen first (one `$in` query per kind), then every change is persisted and written
 * with a single flush, inside the transaction the importer opened on `em`.
 */
export const patientsIngestor: FhirIngestor = {
  subgraph: 'patients',
  resourceTypes: ['Patient', 'Organization', 'Practitioner'],

  async ingest(em: EntityManager, resources: readonly FhirResource[], bundle: BundleView): Promise<IngestCounts> {
    const counts: IngestCounts = {};
    const organizations = ofType<FhirOrganization>(resources, 'Organization');
    const practitioners = ofType<FhirPractitioner>(resources, 'Practitioner');
    const patients = ofType<FhirPatient>(resources, 'Patient');
    const pairs = encounterPairs(bundle);

    // --- reads ---
    const storedOrganizations = byId(organizations.length ? await em.find(Organization, { id: { $in: organizations.map((r) => r.ourId) } }) : []);
    const storedPractitioners = byId(practitioners.length
      ? await em.find(Practitioner, { id: { $in: practitioners.map((r) => r.ourId) } }, { populate: ['nameTokens'] })
      : []);
    const storedPatients = byId(patients.length
      ? await em.find(Patient, { id: { $in: patients.map((r) => r.ourId) } }, { populate: ['identifierRows', 'nameTokens'], strategy: 'select-in' })
      : []);

    // NPIs held by practitioners other than the ones imported: an NPI is unique, so those imports keep none
    const npiOf = (resource: FhirPractitioner) => resource.identifier?.find((i) => i.system === NPI_SYSTEM && i.value)?.value?.trim() ?? null;
    const incomingNpis = practitioners.map(npiOf).filter((npi): npi is string => Boolean(npi));
    const npisTaken = new Map<string, string>(); // npi → practitioner id
    if (incomingNpis.length) {
      const holders = await em.find(Practitioner, { npi: { $in: incomingNpis } }, { fields: ['id', 'npi'] });
      for (const holder of holders) npisTaken.set(holder.npi!, holder.id);
    }

    const importingOrganizations = new Set(organizations.map((r) => r.ourId));
    const organizationIds = await knownIds(em, Organization, [...pairs.registrations, ...pairs.roles].map((p) => p.organizationId), importingOrganizations);
    const patientIds = await knownIds(em, Patient, pairs.registrations.map((p) => p.subjectId), new Set(patients.map((r) => r.ourId)));
    const practitionerIds = await knownIds(em, Practitioner, pairs.roles.map((p) => p.subjectId), new Set(practitioners.map((r) => r.ourId)));
    const registrationPairs = pairs.registrations.filter((p) => patientIds.has(p.subjectId) && organizationIds.has(p.organizationId));
    const rolePairs = pairs.roles.filter((p) => practitionerIds.has(p.subjectId) && organizationIds.has(p.organizationId));

    const roleKey = codeKey(ENCOUNTER_ROLE);
    const storedRegistrations = new Map(
      (registrationPairs.length
        ? await em.find(PatientRegistration, { patient: { $in: [...new Set(registrationPairs.map((p) => p.subjectId))] } })
        : []
      ).map((row) => [`${row.patient.id}|${row.organization.id}`, row]),
    );
    const storedRoles = new Map(
      (rolePairs.length
        ? await em.find(PractitionerRole, { practitioner: { $in: [...new Set(rolePairs.map((p) => p.subjectId))] }, codeKey: roleKey })
        : []
      ).map((row) => [`${row.practitioner.id}|${row.organization.id}`, row]),
    );

    // --- writes (persisted now, flushed once at the end) ---
    for (const resource of organizations) {
      const data = {
        name: resource.name?.trim() || 'Unnamed organization',
        searchName: fhir.searchName(resource.name ?? ''),
        type: fhir.organizationType(resource),
        identifiers: fhir.identifiers(resource.identifier),
        telecom: fhir.telecom(resource.telecom),
        addresses: fhir.addresses(resource.address),
        active: resource.active ?? true,
      };
      const stored = storedOrganizations.get(resource.ourId);
      if (stored) em.assign(stored, data);
      else em.create(Organization, { id: resource.ourId, ...data });
      tally(counts, 'Organization', !stored);
    }

    for (const resource of practitioners) {
      let npi = npiOf(resource);
      const holder = npi ? npisTaken.get(npi) : undefined;
      if (npi && holder && holder !== resource.ourId) npi = null; // held by another practitioner
      if (npi) npisTaken.set(npi, resource.ourId);
      const data = {
        names: fhir.names(resource.name),
        identifiers: fhir.identifiers(resource.identifier),
        npi,
        qualifications: (resource.qualification ?? []).flatMap((q) => {
          const code = fhir.coding(q.code);
          if (!code) return [];
          const period = q.period?.start || q.period?.end ? { start: q.period.start?.slice(0, 10) ?? null, end: q.period.end?.slice(0, 10) ?? null } : null;
          return [{ code, issuerId: bundle.resolve(q.issuer?.reference) ?? null, period }];
        }),
        gender: resource.gender ? genderFromFhir(resource.gender) : null,
        telecom: fhir.telecom(resource.telecom),
        addresses: fhir.addresses(resource.address),
        active: resource.active ?? true,
      };
      const stored = storedPractitioners.get(resource.ourId);
      const practitioner = stored ? em.assign(stored, data) : em.create(Practitioner, { id: resource.ourId, sortName: '', ...data });
      syncPractitionerRows(practitioner);
      tally(counts, 'Practitioner', !stored);
    }

    for (const resource of patients) {
      const data = {
        names: fhir.names(resource.name),
        birthDate: fhir.birthDate(resource.birthDate),
        gender: genderFromFhir(resource.gender),
        telecom: fhir.telecom(resource.telecom),
        addresses: fhir.addresses(resource.address),
        language: fhir.language(resource),
        maritalStatus: fhir.coding(resource.maritalStatus),
        active: resource.active ?? true,
        ...fhir.deceased(resource),
      };
      const stored = storedPatients.get(resource.ourId);
      const patient = stored ? em.assign(stored, data) : em.create(Patient, { id: resource.ourId, sortName: '', ...data });
      syncPatientRows(patient, fhir.identifiers(resource.identifier));
      tally(counts, 'Patient', !stored);
    }

    for (const pair of registrationPairs) {
      const stored = storedRegistrations.get(`${pair.subjectId}|${pair.organizationId}`);
      if (stored) {
        if (pair.since && pair.since < stored.registeredAt) stored.registeredAt = pair.since;
      } else {
        em.create(PatientRegistration, {
          patient: em.getReference(Patient, pair.subjectId),
          organization: em.getReference(Organization, pair.organizationId),
          mrn: registrationMrn(pair.subjectId, pair.organizationId, bundle),
          registeredAt: pair.since ?? new Date(),
        });
      }
      tally(counts, 'PatientRegistration', !stored);
    }

    for (const pair of rolePairs) {
      const stored = storedRoles.get(`${pair.subjectId}|${pair.organizationId}`);
      const since = dateOnly(pair.since);
      if (stored) {
        if (since && (!stored.periodStart || since < stored.periodStart)) stored.periodStart = since;
      } else {
        em.create(PractitionerRole, {
          practitioner: em.getReference(Practitioner, pair.subjectId),
          organization: em.getReference(Organization, pair.organizationId),
          code: { ...ENCOUNTER_ROLE },
          codeKey: roleKey,
          periodStart: since,
        });
      }
      tally(counts, 'PractitionerRole', !stored);
    }

    await em.flush();
    // in the importer's transaction: the events commit (or roll back) with the whole bundle
    await publishDemographics(em, patients.map((resource) => resource.ourId));
    await publishRegistrations(em, [...patients.map((resource) => resource.ourId), ...registrationPairs.map((pair) => pair.subjectId)]);
    return counts;
  },
};

