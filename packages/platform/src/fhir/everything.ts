import express from 'express';
import { validate as isUuid } from 'uuid';
import type { AccessCategory } from '../access/policy';
import type { RequestContext } from '../context';
import { AppError } from '../errors/errors';
import { describeErrorForLog } from '../errors/errors';
import type { SubgraphRouteServices } from '../server/subgraph-server';
import type { FhirResource } from './ingest';

/**
 * Where a subgraph serves its part of a patient's `$everything` (FHIR export). Only the gateway
 * calls it (GET /fhir/Patient/{id}/$everything there), with the caller's assertion, and merges the
 * parts into one Bundle.
 */
export const EVERYTHING_PART_PATH = '/fhir/everything-part';

/** What the gateway asks of each subgraph. */
export interface EverythingPartRequest {
  patientId: string;
  /** Only these resource types (FHIR `_type`); every type the subgraph exports when absent. */
  types?: string[];
  /** Only records changed at or after this instant (FHIR `_since`, ISO 8601). */
  since?: string;
  /** Resources the other parts reference that this subgraph owns (the patients subgraph: Organization, Practitioner). */
  referenced?: Record<string, string[]>;
}

/** A subgraph's answer: its resources, and how many of each type (the audit's counts). */
export interface EverythingPart {
  resources: FhirResource[];
}

/** How one subgraph reads its part; the route does access, audit and errors. */
export interface EverythingPartSource<C extends RequestContext> {
  /** The access category the part is read under (one decision per patient, as the GraphQL lists). */
  category: AccessCategory;
  /** Resource types this part can hold. */
  resourceTypes: readonly string[];
  /**
   * The patient's resources of `types` (a subset of resourceTypes), changed since `since` when given.
   * Runs beside the access decision and must not write; nothing it returns leaves unless allowed.
   */
  read(ctx: C, request: { patientId: string; types: ReadonlySet<string>; since: Date | null; referenced: Record<string, string[]> }): Promise<FhirResource[]>;
}

const MAX_REFERENCED = 10_000;

/**
 * POST EVERYTHING_PART_PATH: one subgraph's resources of one patient as FHIR R4, under the access
 * policy (404 NOT_FOUND when the caller may not see this part of the record, exactly as for a
 * patient that does not exist). Every resource type sent is audited with its count before the
 * answer leaves: if the audit cannot be written, nothing is sent.
 */
export function mountEverythingPart<C extends RequestContext>(app: express.Express, services: SubgraphRouteServices<C>, source: EverythingPartSource<C>): void {
  app.post(EVERYTHING_PART_PATH, services.authenticated, express.json({ limit: '2mb' }), async (req, res) => {
    const ctx = services.requestContext(req);
    const body = (req.body ?? {}) as Partial<EverythingPartRequest>;
    const patientId = typeof body.patientId === 'string' && isUuid(body.patientId) ? body.patientId.toLowerCase() : undefined;
    const types = new Set((Array.isArray(body.types) ? body.types : source.resourceTypes).filter((type) => source.resourceTypes.includes(type)));
    const since = typeof body.since === 'string' && !Number.isNaN(Date.parse(body.since)) ? new Date(body.since) : null;
    const referenced = Object.fromEntries(Object.entries(body.referenced ?? {})
      .map(([type, ids]) => [type, (Array.isArray(ids) ? ids : []).filter((id): id is string => typeof id === 'string' && isUuid(id)).slice(0, MAX_REFERENCED).map((id) => id.toLowerCase())]));
    const notFound = () => res.status(404).json({ errors: [{ message: 'No such patient', extensions: { code: 'NOT_FOUND' } }] });
    try {
      if (!patientId) return void notFound();
      const resources = await ctx.access.readIfAllowed(patientId, source.category, 'Patient/$everything', () => source.read(ctx, { patientId, types, since, referenced }));
      if (!resources) {
        await ctx.access.flush();
        return void notFound();
      }
      const counts = new Map<string, number>();
      for (const resource of resources) counts.set(resource.resourceType, (counts.get(resource.resourceType) ?? 0) + 1);
      for (const [type, count] of counts) ctx.access.noteRead(patientId, source.category, type, count);
      await ctx.access.flush();
      res.status(200).set('cache-control', 'no-store').json({ resources } satisfies EverythingPart);
    } catch (error) {
      if (error instanceof AppError) {
        const code = String(error.extensions.code);
        return void res.status(code === 'UNAUTHENTICATED' ? 401 : code === 'FORBIDDEN' ? 403 : 400).json({ errors: [{ message: error.message, extensions: { code } }] });
      }
      ctx.log.error({ err: describeErrorForLog(error) }, 'FHIR export part failed');
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  });
}

/** `{ reference: "Type/id" }`: how exported resources point at each other (the bundle's entries are `urn:uuid:<id>`, our ids). */
export const fhirReference = (resourceType: string, id: string | null | undefined, display?: string | null): { reference: string; display?: string } | undefined =>
  id ? { reference: `${resourceType}/${id}`, ...(display ? { display } : {}) } : undefined;

/** The ids of every `Type/id` reference of `resourceType` at any depth of the resources. */
export function referencedIds(resources: readonly unknown[], resourceType: string): string[] {
  const prefix = `${resourceType}/`;
  const ids = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key === 'reference' && typeof child === 'string' && child.startsWith(prefix)) ids.add(child.slice(prefix.length));
        else if (child && typeof child === 'object') walk(child);
      }
    }
  };
  walk(resources);
  return [...ids];
}

/** Drops undefined, null and empty-array members, so an exported resource carries only what is known (FHIR forbids empty elements). */
export function compactFhir<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compactFhir).filter((item) => item !== undefined) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined || child === null) continue;
      const compacted = compactFhir(child);
      if (Array.isArray(compacted) && compacted.length === 0) continue;
      if (compacted && typeof compacted === 'object' && !Array.isArray(compacted) && Object.keys(compacted).length === 0) continue;
      out[key] = compacted;
    }
    return out as T;
  }
  return value;
}
