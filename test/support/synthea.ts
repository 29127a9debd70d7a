import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Encounter, Resource } from '@medplum/fhirtypes';

/*
 * The 17 Synthea fixture patients, as tests read them (the product never needs them at run time).
 * One place for the paths, the parsed bundles and the small lookups every chart test needs.
 */

export const FIXTURE_DIR = path.resolve(__dirname, '../../../shared/fixtures/synthea');

/** Absolute paths of every fixture bundle, sorted by file name. */
export const FIXTURE_FILES: readonly string[] = readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.json')).sort().map((name) => path.join(FIXTURE_DIR, name));

let bundles: Bundle[] | undefined;
/** Every fixture bundle, parsed once per test file, in FIXTURE_FILES order. */
export function fixtureBundles(): Bundle[] {
  bundles ??= FIXTURE_FILES.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Bundle);
  return bundles;
}

/** The resources of one type in one bundle, or in all of them. */
export function resourcesOf<T extends Resource>(type: T['resourceType'], bundle?: Bundle): T[] {
  return (bundle ? [bundle] : fixtureBundles()).flatMap((b) => (b.entry ?? []).map((entry) => entry.resource!).filter((r) => r.resourceType === type)) as T[];
}

/** The id a fixture reference points at ("urn:uuid:ABC" or "Type/ABC"), lower-cased as we store it. */
export function refId(reference: string | undefined): string {
  if (!reference) throw new Error('no reference');
  return reference.replace(/^urn:uuid:/, '').replace(/^[A-Za-z]+\//, '').toLowerCase();
}

/** Our id of a fixture resource (Synthea ids are UUIDs: we keep them, lower-cased). */
export const idOf = (resource: { id?: string }): string => resource.id!.toLowerCase();

/** A fixture date or dateTime as GraphQL serialises it; null when the fixture has none. */
export const isoDateTime = (value: string | undefined): string | null => (value ? new Date(value).toISOString() : null);

/** A FHIR code as the GraphQL enum value it maps to ("entered-in-error" → "ENTERED_IN_ERROR"). */
export const enumValue = (code: string): string => code.toUpperCase().replace(/-/g, '_');

let encounters: Map<string, Encounter> | undefined;
/** The organization that provided the encounter a fixture resource points at (the record's source organization). */
export function providerOf(resource: { encounter?: { reference?: string }; context?: { reference?: string } }): string {
  encounters ??= new Map(resourcesOf<Encounter>('Encounter').map((encounter) => [encounter.id!.toLowerCase(), encounter]));
  const encounter = encounters.get(refId(resource.encounter?.reference ?? resource.context?.reference));
  if (!encounter) throw new Error('the resource has no fixture encounter');
  return refId(encounter.serviceProvider!.reference);
}

/**
 * The fixture patient with the most resources of `type` (e.g. the longest problem list), by id;
 * on a tie, the one whose bundle comes first in FIXTURE_FILES.
 */
export function patientWithMost(type: Resource['resourceType'], subjectOf: (resource: any) => string | undefined = (r) => (r.subject ?? r.patient)?.reference): string {
  const counts = new Map<string, number>();
  for (const resource of resourcesOf(type)) {
    const id = refId(subjectOf(resource));
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

/** One fixture bundle as a patient's chart. */
export interface FixtureChart {
  file: string;
  bundle: Bundle;
  /** The bundle's patient, by our id. */
  patientId: string;
  /** The organizations that provided the patient's encounters, in bundle order (the import registers the patient at each). */
  organizationIds: string[];
  /** The chart's resources of one type. */
  of<T extends Resource>(type: T['resourceType']): T[];
}

let charts: FixtureChart[] | undefined;
/** Every fixture bundle as a chart, in FIXTURE_FILES order. */
export function fixtureCharts(): FixtureChart[] {
  charts ??= fixtureBundles().map((bundle, index) => {
    const of = <T extends Resource>(type: T['resourceType']) => resourcesOf<T>(type, bundle);
    return {
      file: FIXTURE_FILES[index],
      bundle,
      patientId: idOf(of('Patient')[0]),
      organizationIds: [...new Set(of<Encounter>('Encounter').map((encounter) => refId(encounter.serviceProvider!.reference)))],
      of,
    };
  });
  return charts;
}

/** The fixture chart whose file name starts with `name` (e.g. "Coleman_Ortiz"). */
export function fixtureChart(name: string): FixtureChart {
  const chart = fixtureCharts().find((candidate) => path.basename(candidate.file).startsWith(name));
  if (!chart) throw new Error(`no fixture named ${name}`);
  return chart;
}

/** The fixture chart of one patient (our id). */
export function chartOfPatient(patientId: string): FixtureChart {
  const chart = fixtureCharts().find((candidate) => candidate.patientId === patientId.toLowerCase());
  if (!chart) throw new Error('no fixture chart for that patient');
  return chart;
}

/** The fixture file with the most resources (the patient with the longest history). */
export function largestFixture(): FixtureChart {
  return fixtureCharts().reduce((best, chart) => ((chart.bundle.entry?.length ?? 0) > (best.bundle.entry?.length ?? 0) ? chart : best));
}

/**
 * The organization of the chart's latest encounter: where the import files records that name no
 * encounter (Synthea's allergies and goals).
 */
export function latestProviderOf(chart: FixtureChart): string {
  const [latest] = [...chart.of<Encounter>('Encounter')].sort((a, b) => b.period!.start!.localeCompare(a.period!.start!));
  return refId(latest.serviceProvider!.reference);
}

/** A copy of `bundle` with `resources` added as entries (e.g. a valid and a broken one, to see the import refuse both). */
export function withResources(bundle: Bundle, ...resources: Resource[]): Bundle {
  return { ...bundle, entry: [...(bundle.entry ?? []), ...resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource }))] };
}
