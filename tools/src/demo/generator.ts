import type { Bundle, BundleEntry, Claim, Encounter, ExplanationOfBenefit, Organization, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { demoHistoryExplanations } from './billing';
import { demoClinicalRecords, type DemoClinicalResource } from './clinical';
import { v5 as uuidv5 } from 'uuid';
import { FAMILY, GIVEN_FEMALE, GIVEN_MALE, HOSPITAL_VISITS, HOSPITALS, PAYERS, PRACTICE_VISITS, PRACTICES, STREETS, TOWNS } from './names';
import { hashSeed, Random } from './prng';

/**
 * Deterministic demo data as FHIR R4 transaction bundles, imported through the same importer as
 * real data. Patient i depends only on (seed, i): the first 60 patients of a 100k run are the 60
 * patients of the default demo, and batch size never changes the content.
 */

export const DEFAULT_DEMO_SEED = 20261122;
export const DEFAULT_PATIENTS_PER_BUNDLE = 500;

/** Namespace of the demo's UUIDv5 ids (ids depend on seed and position only). */
const DEMO_NAMESPACE = '0f6b8a3e-2d1c-4c57-9a0e-7c5d1e4b2a91';
/** "Today" of the demo data: records are dated before it, never relative to the clock. */
const DEMO_EPOCH = Date.UTC(2026, 5, 30, 12, 0, 0);
const DAY = 86_400_000;

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const ORG_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/organization-type';
const ROLE_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const DEMO_ID_SYSTEM = 'urn:caregraph:demo';

export type DemoOrganizationKind = 'hospital' | 'practice' | 'payer';

export interface DemoOrganization {
  kind: DemoOrganizationKind;
  resource: Organization & { id: string };
  practitioners: (Practitioner & { id: string })[];
}

export interface DemoDirectory {
  organizations: DemoOrganization[];
  hospitals: DemoOrganization[];
  practices: DemoOrganization[];
  payers: DemoOrganization[];
}

export interface DemoPatient {
  patient: Patient & { id: string };
  encounters: (Encounter & { id: string })[];
  claims: (Claim & { id: string })[];
  /** The payers' adjudications of the insured claims (billing.ts). */
  explanationsOfBenefit: (ExplanationOfBenefit & { id: string })[];
  /** Vital signs at every visit, chronic conditions and influenza vaccines (see clinical.ts). */
  clinical: DemoClinicalResource[];
  /** Organization ids the patient has encounters at (what becomes registrations). */
  organizationIds: string[];
}

export interface DemoOptions {
  seed?: number;
  /** Patients in total (default 60). */
  patients?: number;
  /** Patients per bundle (default 500): bounds memory for 100k-patient runs. */
  patientsPerBundle?: number;
}

const demoId = (seed: number, ...parts: (string | number)[]) => uuidv5(`${seed}/${parts.join('/')}`, DEMO_NAMESPACE);
const reference = (resource: Resource & { id: string }) => `urn:uuid:${resource.id}`;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isoDateTime = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A 10-digit NPI with a valid check digit (Luhn over the "80840" prefix + 9 digits). */
export function npiFor(random: Random): string {
  const base = `${random.pick(['1', '2'])}${random.digits(8)}`;
  return `${base}${npiCheckDigit(base)}`;
}

export function npiCheckDigit(base9: string): number {
  let sum = 24; // the constant contribution of the 80840 prefix
  for (let i = 0; i < base9.length; i++) {
    let digit = Number(base9[base9.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

function phone(random: Random): string {
  return `555-${random.int(200, 989)}-${random.digits(4)}`;
}

function address(random: Random) {
  const town = random.pick(TOWNS);
  return { use: 'home' as const, line: [`${random.int(1, 999)} ${random.pick(STREETS)}`], city: town.city, state: 'MA', postalCode: town.postalCode, country: 'US' };
}

/** The organizations (4 hospitals, 4 practices, 2 payers) and their practitioners for a seed. */
export function demoDirectory(seed: number = DEFAULT_DEMO_SEED): DemoDirectory {
  const random = new Random(hashSeed(seed, 'directory'));
  const organizations: DemoOrganization[] = [];
  const usedNpis = new Set<string>();
  const make = (kind: DemoOrganizationKind, name: string, number: number, staff: number): DemoOrganization => {
    const id = demoId(seed, 'Organization', kind, number);
    const typeCoding =
      kind === 'payer'
        ? [{ system: ORG_TYPE_SYSTEM, code: 'pay', display: 'Payer' }]
        : [
            { system: ORG_TYPE_SYSTEM, code: 'prov', display: 'Healthcare Provider' },
            kind === 'hospital'
              ? { system: ROLE_CODE_SYSTEM, code: 'HOSP', display: 'Hospital' }
              : { system: ROLE_CODE_SYSTEM, code: 'PC', display: 'primary care clinic' },
          ];
    const resource: Organization & { id: string } = {
      resourceType: 'Organization',
      id,
      identifier: [{ system: `${DEMO_ID_SYSTEM}:organization`, value: `${kind.toUpperCase()}-${number + 1}` }],
      active: true,
      type: [{ coding: typeCoding, text: kind === 'hospital' ? 'Hospital' : kind === 'practice' ? 'Practice' : 'Payer' }],
      name,
      telecom: [{ system: 'phone', value: phone(random), use: 'work' }],
      address: [{ ...address(random), use: 'work' }],
    };
    const practitioners = Array.from({ length: staff }, (_, p): Practitioner & { id: string } => {
      const female = random.chance(0.5);
      let npi = npiFor(random);
      while (usedNpis.has(npi)) npi = npiFor(random);
      usedNpis.add(npi);
      return {
        resourceType: 'Practitioner',
        id: demoId(seed, 'Practitioner', kind, number, p),
        identifier: [{ system: NPI_SYSTEM, value: npi }],
        active: true,
        name: [{ use: 'official', family: random.pick(FAMILY), given: [random.pick(female ? GIVEN_FEMALE : GIVEN_MALE)], prefix: ['Dr.'] }],
        telecom: [{ system: 'phone', value: phone(random), use: 'work' }],
        address: resource.address,
        gender: female ? 'female' : 'male',
      };
    });
    return { kind, resource, practitioners };
  };
  HOSPITALS.forEach((name, i) => organizations.push(make('hospital', name, i, 4)));
  PRACTICES.forEach((name, i) => organizations.push(make('practice', name, i, 2)));
  PAYERS.forEach((name, i) => organizations.push(make('payer', name, i, 0)));
  return {
    organizations,
    hospitals: organizations.filter((o) => o.kind === 'hospital'),
    practices: organizations.filter((o) => o.kind === 'practice'),
    payers: organizations.filter((o) => o.kind === 'payer'),
  };
}

/** Patient number `index` of a seed, with encounters at each of their organizations, a claim per encounter, and their chart (clinical.ts). */
export function demoPatient(directory: DemoDirectory, seed: number, index: number): DemoPatient {
  const random = new Random(hashSeed(seed, 'patient', index));
  const female = random.chance(0.52);
  const given = [random.pick(female ? GIVEN_FEMALE : GIVEN_MALE)];
  if (random.chance(0.25)) given.push(random.pick(female ? GIVEN_FEMALE : GIVEN_MALE));
  const family = random.pick(FAMILY);
  const birth = Date.UTC(1936, 0, 1) + random.int(0, 86 * 365) * DAY;

  // Everyone has a practice; most have also been to a hospital; some to a second one.
  const practice = directory.practices[(index + random.int(0, 1)) % directory.practices.length];
  const places: DemoOrganization[] = [practice];
  if (random.chance(0.65)) places.push(random.pick(directory.hospitals));
  if (random.chance(0.2)) {
    const other = random.pick([...directory.hospitals, ...directory.practices].filter((o) => !places.includes(o)));
    places.push(other);
  }
  const payer = random.chance(0.9) ? random.pick(directory.payers) : undefined;

  const patientId = demoId(seed, 'Patient', index);
  const patient: Patient & { id: string } = {
    resourceType: 'Patient',
    id: patientId,
    identifier: places.map((org, i) => ({
      use: 'usual' as const,
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical Record Number' }], text: 'Medical Record Number' },
      system: `${DEMO_ID_SYSTEM}:mrn:${org.resource.identifier![0].value!.toLowerCase()}`,
      assigner: { reference: reference(org.resource) },
      value: `${String.fromCharCode(65 + ((index + i) % 26))}${String(index).padStart(6, '0')}${random.digits(2)}`,
    })),
    active: true,
    name: [{ use: 'official', family, given }],
    telecom: [{ system: 'phone', value: phone(random), use: random.chance(0.7) ? 'mobile' : 'home' }],
    gender: female ? 'female' : 'male',
    birthDate: isoDate(birth),
    address: [address(random)],
    managingOrganization: { reference: reference(practice.resource) },
    generalPractitioner: [{ reference: reference(practice.practitioners[index % practice.practitioners.length]) }],
  };

  const encounters: (Encounter & { id: string })[] = [];
  const claims: (Claim & { id: string })[] = [];
  const chartVisits: { encounter: Encounter & { id: string }; at: number; atPractice: boolean }[] = [];
  places.forEach((org, placeIndex) => {
    const visits = org.kind === 'hospital' ? HOSPITAL_VISITS : PRACTICE_VISITS;
    const count = random.int(1, org.kind === 'hospital' ? 2 : 3);
    for (let v = 0; v < count; v++) {
      const kind = random.pick(visits);
      const start = DEMO_EPOCH - random.int(1, 5 * 365) * DAY - random.int(8 * 60, 17 * 60) * 60_000;
      const end = start + kind.minutes * 60_000;
      const practitioner = org.practitioners[(index + placeIndex + v) % org.practitioners.length];
      const encounter: Encounter & { id: string } = {
        resourceType: 'Encounter',
        id: demoId(seed, 'Encounter', index, placeIndex, v),
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: kind.class },
        type: [{ coding: [{ system: 'http://snomed.info/sct', code: kind.code, display: kind.display }], text: kind.display }],
        subject: { reference: reference(patient) },
        participant: [{ individual: { reference: reference(practitioner) } }],
        period: { start: isoDateTime(start), end: isoDateTime(end) },
        serviceProvider: { reference: reference(org.resource) },
      };
      encounters.push(encounter);
      chartVisits.push({ encounter, at: start, atPractice: org.kind === 'practice' });
      const total = Math.round(kind.cost * (0.8 + random.float() * 0.4) * 100) / 100;
      claims.push({
        resourceType: 'Claim',
        id: demoId(seed, 'Claim', index, placeIndex, v),
        status: 'active',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: org.kind === 'hospital' ? 'institutional' : 'professional' }] },
        use: 'claim',
        patient: { reference: reference(patient) },
        billablePeriod: { start: isoDateTime(start), end: isoDateTime(end) },
        created: isoDateTime(end),
        provider: { reference: reference(org.resource) },
        ...(payer ? { insurer: { reference: reference(payer.resource) } } : {}),
        priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
        insurance: [{ sequence: 1, focal: true, coverage: { display: payer ? payer.resource.name : 'Self-pay' } }],
        item: [{
          sequence: 1,
          productOrService: { coding: [{ system: 'http://snomed.info/sct', code: kind.code, display: kind.display }], text: kind.display },
          encounter: [{ reference: reference(encounter) }],
          net: { value: total, currency: 'USD' },
        }],
        total: { value: total, currency: 'USD' },
      });
    }
  });
  const clinical = demoClinicalRecords(seed, index, { id: patientId, birthDate: patient.birthDate!, gender: female ? 'female' : 'male' }, chartVisits,
    (type, ...parts) => demoId(seed, type, ...parts), reference);
  const explanationsOfBenefit = demoHistoryExplanations(seed, index, claims, (type, ...parts) => demoId(seed, type, ...parts));
  return { patient, encounters, claims, explanationsOfBenefit, clinical, organizationIds: places.map((org) => org.resource.id) };
}

const entry = (resource: Resource & { id: string }): BundleEntry => ({
  fullUrl: `urn:uuid:${resource.id}`,
  resource,
  request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
});

/** Demo patients [from, to) of a seed as one transaction bundle (with the directory it refers to). */
export function demoBundle(directory: DemoDirectory, seed: number, from: number, to: number): Bundle {
  const entries: BundleEntry[] = [];
  for (const org of directory.organizations) entries.push(entry(org.resource));
  for (const org of directory.organizations) for (const practitioner of org.practitioners) entries.push(entry(practitioner));
  for (let index = from; index < to; index++) {
    const record = demoPatient(directory, seed, index);
    entries.push(entry(record.patient));
    for (const encounter of record.encounters) entries.push(entry(encounter));
    for (const claim of record.claims) entries.push(entry(claim));
    for (const explanation of record.explanationsOfBenefit) entries.push(entry(explanation));
    for (const resource of record.clinical) entries.push(entry(resource));
  }
  return { resourceType: 'Bundle', id: demoId(seed, 'Bundle', from, to), type: 'transaction', entry: entries };
}

/**
 * Yields the demo as transaction bundles of `patientsPerBundle` patients each. Lazy: a 100k-patient
 * run holds one bundle at a time.
 */
export function* generateDemoBundles(options: DemoOptions = {}): Generator<{ source: string; bundle: Bundle }> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const patients = options.patients ?? 60;
  const perBundle = Math.max(1, options.patientsPerBundle ?? DEFAULT_PATIENTS_PER_BUNDLE);
  const directory = demoDirectory(seed);
  for (let from = 0; from < patients; from += perBundle) {
    const to = Math.min(patients, from + perBundle);
    yield { source: `demo-${seed}-patients-${from + 1}-${to}`, bundle: demoBundle(directory, seed, from, to) };
  }
}

/** How many bundles generateDemoBundles yields. */
export function demoBundleCount(options: DemoOptions = {}): number {
  return Math.ceil((options.patients ?? 60) / Math.max(1, options.patientsPerBundle ?? DEFAULT_PATIENTS_PER_BUNDLE));
}
