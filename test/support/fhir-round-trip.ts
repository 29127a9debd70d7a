import { compactFhir, resourceId, type BundleView, type FhirResource } from '@caregraph/platform';
import { bundleViewOf } from './bundle-view';
import { fixtureCharts, type FixtureChart } from './synthea';

/*
 * The scaffolding of an export round-trip test: take a fixture resource, import it as the importer
 * would, store the row, export that row and import the export again, among the same bundle.
 */

/** One fixture resource with the rest of its bundle (what the import resolves its references in). */
export interface FixtureResource<T extends FhirResource> {
  resource: T;
  /** Every other resource of the resource's bundle. */
  others: FhirResource[];
  /** The chart (fixture bundle) the resource comes from. */
  chart: FixtureChart;
}

/** What an import of one resource makes of it, given the bundle it arrives in (close over any further arguments). */
export type ImportData<T extends FhirResource, D> = (resource: T, bundle: BundleView) => D;

/** Every fixture resource of `type`, across all the fixture charts, each with the rest of its bundle. */
export function fixtureResourcesOf<T extends FhirResource>(type: T['resourceType']): FixtureResource<T>[] {
  return fixtureCharts().flatMap((chart) => {
    const all = chart.bundle.entry!.map((entry) => entry.resource! as FhirResource);
    return chart.of<T>(type).map((resource) => ({ resource, others: all.filter((other) => other !== resource), chart }));
  });
}

/** What `importData` makes of `resource` when it arrives among `others` (its own bundle, or the export's). */
export function importAmong<T extends FhirResource, D>(importData: ImportData<T, D>, resource: T, others: readonly FhirResource[]): D {
  return importData(resource, bundleViewOf([...others, resource]));
}

/** The row the import stores for `data` (as an `Entity`, under our id of `resource`), as the database hands it to the export. */
export function storedRow<E extends object, D extends object>(Entity: new () => E, resource: FhirResource, data: D) {
  return Object.assign(new Entity(), data, { id: resourceId(resource.resourceType, resource.id!), createdAt: new Date(), updatedAt: new Date() });
}

/** The export of `row` as it leaves (compacted), and what `importData` makes of it among the bundle's other resources. */
export function exportAndReimport<R, T extends FhirResource, D>(toFhir: (row: R) => T, importData: ImportData<T, D>, row: R, others: readonly FhirResource[]): { exported: T; data: D } {
  const exported = compactFhir(toFhir(row));
  return { exported, data: importAmong(importData, exported, others) };
}

/** The round-trip scaffolding of one resource type, bound once for a test file. */
export interface FhirRoundTrip<T extends FhirResource, E extends object, D> {
  /** Every fixture resource of the type, each with the rest of its bundle. */
  fixtures: FixtureResource<T>[];
  /** What the import makes of `resource` among `others` (see importAmong). */
  importOf(resource: T, others: readonly FhirResource[]): D;
  /** The row the import stores for `data`, under our id of `resource` (see storedRow). */
  rowOf<X extends Partial<E>>(resource: T, data: X): E & X;
  /** The export of `row` as it leaves, and what the import makes of it among `others` (see exportAndReimport). */
  roundTrip(row: E, others: readonly FhirResource[]): { exported: T; data: D };
}

/**
 * The helpers above bound to one resource type: its fixture `type`, the `Entity` its rows are, its
 * export `toFhir` and its import `importData` (close over any further arguments the import takes).
 */
export function fhirRoundTripOf<T extends FhirResource, E extends object, D>(spec: { type: T['resourceType']; Entity: new () => E; toFhir: (row: E) => T; importData: ImportData<T, D> }): FhirRoundTrip<T, E, D> {
  const { type, Entity, toFhir, importData } = spec;
  return {
    fixtures: fixtureResourcesOf<T>(type),
    importOf: (resource, others) => importAmong(importData, resource, others),
    rowOf: (resource, data) => storedRow(Entity, resource, data),
    roundTrip: (row, others) => exportAndReimport(toFhir, importData, row, others),
  };
}
