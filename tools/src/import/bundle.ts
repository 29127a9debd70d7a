import { parseReference, resourceId, type BundleView, type FhirResource } from '@caregraph/platform';

/** Bundle types the importer accepts: each entry carries a full resource (a searchset: what $everything answers). */
export const SUPPORTED_BUNDLE_TYPES = ['transaction', 'batch', 'collection', 'searchset'] as const;

/** Where in a bundle a problem is: enough to find the entry, never its contents (no PHI). */
export interface EntryLocation {
  index: number;
  fullUrl?: string;
  resourceType?: string;
  /** JSON path inside the resource, e.g. `Encounter.participant[0].individual.reference`. */
  path?: string;
}

/** A bundle the importer refuses, or an ingestor failure it attributes to an entry. */
export class BundleError extends Error {
  constructor(
    readonly source: string,
    readonly problem: string,
    readonly entry?: EntryLocation,
  ) {
    super(`${source}: ${entry ? `${describeEntry(entry)}: ` : ''}${problem}`);
    this.name = 'BundleError';
  }
}

export function describeEntry(entry: EntryLocation): string {
  const parts = [entry.fullUrl ? `fullUrl ${entry.fullUrl}` : undefined, entry.resourceType].filter(Boolean);
  return `entry[${entry.index}]${parts.length ? ` (${parts.join(', ')})` : ''}${entry.path ? ` at ${entry.path}` : ''}`;
}

export interface BundleEntry {
  index: number;
  fullUrl?: string;
  /** Our id for the resource (platform resourceId). */
  id: string;
  resource: FhirResource;
}

/** A bundle that passed validation: every entry has a resource and every reference resolves inside it. */
export interface ValidatedBundle {
  source: string;
  type: string;
  entries: BundleEntry[];
  view: BundleView;
  /** Resources per resourceType, in bundle order. */
  counts: Record<string, number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses a file's text as JSON; the error names the file and the position, not the content. */
export function parseBundleJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/"[^"]*"/g, '…').slice(0, 120) : 'parse error';
    throw new BundleError(source, `malformed JSON (${detail})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every string `reference` at any depth of a resource, with its JSON path. */
function* referencesOf(value: unknown, path: string): Generator<{ reference: string; path: string }> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* referencesOf(value[i], `${path}[${i}]`);
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') yield { reference: child, path: `${path}.${key}` };
      else if (typeof child === 'object' && child !== null) yield* referencesOf(child, `${path}.${key}`);
    }
  }
}

/**
 * Checks a parsed bundle as a whole before anything is written: its type, every entry's resource,
 * ids, and that every reference (urn:uuid:…, Type/id, or an absolute URL naming an entry's fullUrl)
 * points at a resource in the bundle. Contained (#x) references are local and always fine.
 */
export function validateBundle(json: unknown, source: string): ValidatedBundle {
  if (!isObject(json) || json.resourceType !== 'Bundle') {
    throw new BundleError(source, 'not a FHIR Bundle (resourceType must be "Bundle")');
  }
  const type = json.type;
  if (typeof type !== 'string' || !(SUPPORTED_BUNDLE_TYPES as readonly string[]).includes(type)) {
    throw new BundleError(source, `unsupported bundle type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : type ?? null)} (expected ${SUPPORTED_BUNDLE_TYPES.join(', ')})`);
  }
  const rawEntries = json.entry ?? [];
  if (!Array.isArray(rawEntries)) throw new BundleError(source, 'Bundle.entry must be an array');

  const entries: BundleEntry[] = [];
  const byId = new Map<string, FhirResource>();
  const byType = new Map<string, FhirResource[]>();
  const byFullUrl = new Map<string, string>();
  const locationById = new Map<string, EntryLocation>();
  const counts: Record<string, number> = {};

  rawEntries.forEach((raw: unknown, index: number) => {
    // a searchset's outcome entries (e.g. "these records were withheld") are about the search, not records
    if (type === 'searchset' && isObject(raw) && isObject(raw.search) && raw.search.mode === 'outcome') return;
    const fullUrl = isObject(raw) && typeof raw.fullUrl === 'string' ? raw.fullUrl : undefined;
    const resource = isObject(raw) ? raw.resource : undefined;
    if (!isObject(resource)) throw new BundleError(source, 'entry has no resource', { index, fullUrl });
    const resourceType = resource.resourceType;
    if (typeof resourceType !== 'string' || !/^[A-Z][A-Za-z]+$/.test(resourceType)) {
      throw new BundleError(source, 'resource has no valid resourceType', { index, fullUrl });
    }
    const location: EntryLocation = { index, fullUrl, resourceType };
    let fhirId = resource.id;
    if (fhirId !== undefined && (typeof fhirId !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(fhirId))) {
      throw new BundleError(source, 'resource.id is not a valid FHIR id', location);
    }
    let item = resource as unknown as FhirResource;
    if (fhirId === undefined) {
      // POST entries of a transaction may leave the id out; their urn:uuid fullUrl then names them.
      const fromUrl = fullUrl?.startsWith('urn:uuid:') ? fullUrl.slice('urn:uuid:'.length) : undefined;
      if (!fromUrl || !UUID.test(fromUrl)) throw new BundleError(source, 'resource has no id and no urn:uuid fullUrl', location);
      fhirId = fromUrl.toLowerCase();
      item = { ...item, id: fhirId } as FhirResource;
    }
    const id = resourceId(resourceType, fhirId as string);
    const previous = locationById.get(id);
    if (previous) throw new BundleError(source, `duplicate resource: the same ${resourceType} as entry[${previous.index}]`, location);
    locationById.set(id, location);
    if (fullUrl) byFullUrl.set(fullUrl, id);
    byId.set(id, item);
    let list = byType.get(resourceType);
    if (!list) byType.set(resourceType, (list = []));
    list.push(item);
    counts[resourceType] = (counts[resourceType] ?? 0) + 1;
    entries.push({ index, fullUrl, id, resource: item });
  });

  const resolve = (reference: string | undefined): string | undefined => {
    if (!reference) return undefined;
    const viaFullUrl = byFullUrl.get(reference);
    if (viaFullUrl) return viaFullUrl;
    const stripped = reference.replace(/\/_history\/[^/]+$/, '');
    const parsed = parseReference(stripped) ?? parseReference(/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(stripped)?.[1]);
    return parsed?.id;
  };

  for (const entry of entries) {
    const resourceType = entry.resource.resourceType;
    for (const { reference, path } of referencesOf(entry.resource, resourceType)) {
      if (reference.startsWith('#')) continue;
      const location: EntryLocation = { index: entry.index, fullUrl: entry.fullUrl, resourceType, path };
      const target = resolve(reference);
      const resolved = target ? byId.get(target) : undefined;
      if (!resolved) {
        throw new BundleError(source, `reference ${JSON.stringify(reference.slice(0, 100))} points at a resource that is not in the bundle`, location);
      }
      const expectedType = /^([A-Z][A-Za-z]+)\/[^/]+$/.exec(reference.replace(/\/_history\/[^/]+$/, ''))?.[1];
      if (expectedType && !reference.startsWith('urn:') && resolved.resourceType !== expectedType) {
        throw new BundleError(source, `reference ${JSON.stringify(reference.slice(0, 100))} has type ${expectedType} but the entry it names is a ${resolved.resourceType}`, location);
      }
    }
  }

  const view: BundleView = { byId, byType, resolve };
  return { source, type, entries, view, counts };
}
