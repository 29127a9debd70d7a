import { randomUUID } from 'node:crypto';
import {
  ACCESS_POLICY_AUDIENCE, ASSERTION_HEADER, EVERYTHING_PART_PATH, REQUEST_ID_HEADER, describeErrorForLog, referencedIds,
  type AssertionSigner, type EverythingPart, type EverythingPartRequest, type FhirResource, type Logger,
} from '@caregraph/platform';
import type { Request, RequestHandler, Response } from 'express';
import { validate as isUuid } from 'uuid';
import type { RequestWithPrincipal } from './rate-limit';

/** A patient's whole record as one FHIR R4 Bundle (FHIR's Patient/$everything operation). */
export const PATIENT_EVERYTHING_PATH = /^\/fhir\/Patient\/([^/]+)\/\$everything$/;

/**
 * Which subgraph exports which resource types (each serves its part at EVERYTHING_PART_PATH).
 * The patients subgraph answers last: it adds the Organizations and Practitioners the other
 * parts point at, so every reference in the Bundle resolves inside it.
 */
export const EXPORTED_TYPES = {
  clinical: ['Encounter', 'Condition', 'AllergyIntolerance', 'Immunization', 'Procedure', 'Observation', 'DiagnosticReport',
    'ImagingStudy', 'MedicationRequest', 'CarePlan', 'Goal', 'DocumentReference'],
  billing: ['Coverage', 'Claim', 'ExplanationOfBenefit'],
  patients: ['Patient', 'Organization', 'Practitioner'],
} as const satisfies Record<string, readonly string[]>;

type PartName = keyof typeof EXPORTED_TYPES;
const ALL_TYPES: readonly string[] = Object.values(EXPORTED_TYPES).flat();
/** Types the patients part adds for what the others reference, whatever `_type` asks (a Bundle's references resolve inside it). */
const DIRECTORY_TYPES = ['Organization', 'Practitioner'] as const;

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

type IssueType = 'invalid' | 'not-found' | 'transient' | 'exception' | 'suppressed';

/** A FHIR OperationOutcome carrying our error code (and the parameter at fault), as a FHIR client expects errors. */
export function operationOutcome(code: string, issue: IssueType, message: string, expression?: string, severity: 'error' | 'information' = 'error') {
  return {
    resourceType: 'OperationOutcome',
    issue: [{
      severity,
      code: issue,
      details: { coding: [{ system: 'https://caregraph.dev/fhir/CodeSystem/error-code', code }], text: message },
      ...(expression ? { expression: [expression] } : {}),
    }],
  };
}

const fail = (res: Response, status: number, code: string, issue: IssueType, message: string, expression?: string) =>
  void res.status(status).type(FHIR_JSON).json(operationOutcome(code, issue, message, expression));

/** The request's `_type` (comma-separated, repeatable) and `_since`, checked; an error names the parameter. */
function parametersOf(req: Request): { types: Set<string>; since?: string } | { field: string; message: string } {
  const raw = req.query._type;
  let types = new Set(ALL_TYPES);
  if (raw !== undefined) {
    const listed = (Array.isArray(raw) ? raw : [raw]).flatMap((value) => String(value).split(',')).map((type) => type.trim()).filter(Boolean);
    const unknown = listed.filter((type) => !ALL_TYPES.includes(type));
    if (unknown.length || !listed.length) {
      return { field: '_type', message: `_type must list resource types from: ${ALL_TYPES.join(', ')}${unknown.length ? ` (not exported: ${unknown.slice(0, 5).map((type) => type.slice(0, 40)).join(', ')})` : ''}` };
    }
    types = new Set(listed);
  }
  const since = req.query._since;
  if (since !== undefined) {
    if (typeof since !== 'string' || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(since) || Number.isNaN(Date.parse(since))) {
      return { field: '_since', message: '_since must be a FHIR instant, e.g. 2024-01-31T00:00:00Z' };
    }
    return { types, since: new Date(since).toISOString() };
  }
  return { types };
}

/**
 * GET /fhir/Patient/{id}/$everything[?_type=Condition,Observation][&_since=instant], after
 * authentication and rate limiting: the patient's record as a `searchset` Bundle of FHIR R4
 * resources, each part read by the subgraph that owns it under the caller's access (a part the
 * caller may not see is left out, and an OperationOutcome entry says so), every part audited
 * there. `fullUrl`s are `urn:uuid:<id>` and references `Type/<id>`, so the Bundle imports back
 * as it is (`npm run import`). 404 when the caller may not see the patient at all.
 */
export function patientEverythingExport(options: { subgraphUrls: () => Partial<Record<string, string>>; signer: AssertionSigner; logger: Logger }): RequestHandler {
  return async (req, res) => {
    const requestId = res.locals.requestId as string;
    const principal = (req as RequestWithPrincipal).principal ?? { kind: 'anonymous' as const };
    const patientId = decodeURIComponent(req.params[0] ?? (PATIENT_EVERYTHING_PATH.exec(req.path)?.[1] ?? ''));
    if (!isUuid(patientId)) return fail(res, 404, 'NOT_FOUND', 'not-found', 'No such patient');
    const parameters = parametersOf(req);
    if ('field' in parameters) return fail(res, 400, 'BAD_USER_INPUT', 'invalid', parameters.message, parameters.field);
    const urls = options.subgraphUrls();
    const parts = Object.keys(EXPORTED_TYPES) as PartName[];
    const down = parts.filter((name) => !urls[name]);
    if (down.length) return fail(res, 503, 'SERVICE_UNAVAILABLE', 'transient', `The ${down[0]} service is unavailable`);
    const assertion = await options.signer.sign(principal, [...parts, ACCESS_POLICY_AUDIENCE], requestId);

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    /** One part: its resources, null when the caller may not see it (404), 'down' when the service failed. */
    const ask = async (name: PartName, body: EverythingPartRequest): Promise<FhirResource[] | null | 'down'> => {
      try {
        const answer = await fetch(new URL(EVERYTHING_PART_PATH, urls[name]), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: assertion, [REQUEST_ID_HEADER]: requestId },
          body: JSON.stringify(body),
          signal: abort.signal,
        });
        if (answer.status === 404) return null;
        if (!answer.ok) {
          options.logger.warn({ requestId, subgraph: name, status: answer.status }, 'FHIR export: part failed');
          return 'down';
        }
        return ((await answer.json()) as EverythingPart).resources;
      } catch (error) {
        if (!abort.signal.aborted) options.logger.warn({ requestId, subgraph: name, err: describeErrorForLog(error) }, 'FHIR export: subgraph unreachable');
        return 'down';
      }
    };
    const typesOf = (name: PartName) => EXPORTED_TYPES[name].filter((type) => parameters.types.has(type));
    const request = (name: PartName, extra: Partial<EverythingPartRequest> = {}): EverythingPartRequest => ({ patientId, types: typesOf(name), ...(parameters.since && { since: parameters.since }), ...extra });

    const records = ['clinical', 'billing'] as const;
    const recordParts = await Promise.all(records.map((name) => (typesOf(name).length ? ask(name, request(name)) : Promise.resolve([] as FhirResource[]))));
    if (abort.signal.aborted) return;
    const failed = records.find((_, index) => recordParts[index] === 'down');
    if (failed) return fail(res, 503, 'SERVICE_UNAVAILABLE', 'transient', `The ${failed} service is unavailable`);
    const found = recordParts.flatMap((part) => (Array.isArray(part) ? part : []));
    const referenced = {
      Organization: [...new Set([...referencedIds(found, 'Organization'), ...sourceOrganizations(found)])],
      Practitioner: referencedIds(found, 'Practitioner'),
    };
    // the Patient always (the Bundle is about it), and the directory entries the records point at
    const patientPart = await ask('patients', request('patients', { types: [...new Set(['Patient', ...typesOf('patients'), ...DIRECTORY_TYPES])], referenced, since: undefined }));
    if (abort.signal.aborted) return;
    if (patientPart === 'down') return fail(res, 503, 'SERVICE_UNAVAILABLE', 'transient', 'The patients service is unavailable');
    if (patientPart === null) return fail(res, 404, 'NOT_FOUND', 'not-found', 'No such patient');

    const withheld = records.filter((name, index) => recordParts[index] === null);
    const now = new Date().toISOString();
    const directory = new Set<string>(['Patient', ...DIRECTORY_TYPES]);
    // the patient's records are what was searched for; the directory entries they point at come along
    const isMatch = (type: string) => !directory.has(type) || (type === 'Patient' && parameters.types.has(type));
    const resources = withTypedReferences([...patientPart.filter((resource) => parameters.types.has(resource.resourceType) || directory.has(resource.resourceType)), ...found]);
    const entry = [
      ...resources.map((resource) => ({
        fullUrl: `urn:uuid:${resource.id}`,
        resource,
        search: { mode: isMatch(resource.resourceType) ? 'match' : 'include' },
      })),
      ...withheld.map((name) => ({
        resource: operationOutcome('FORBIDDEN', 'suppressed', `The patient's ${name} records are not open to you and are left out`, undefined, 'information'),
        search: { mode: 'outcome' },
      })),
    ];
    res.status(200).type(FHIR_JSON).set('cache-control', 'no-store').json({
      resourceType: 'Bundle',
      id: randomUUID(),
      meta: { lastUpdated: now },
      type: 'searchset',
      timestamp: now,
      total: entry.filter((item) => item.search.mode === 'match').length,
      link: [{ relation: 'self', url: req.originalUrl }],
      entry,
    });
  };
}

/**
 * The resources with every `urn:uuid:<id>` reference to an entry of the Bundle written as
 * `Type/<id>`: a subgraph that did not keep a target's type (a reason may be a Condition or an
 * Observation) names the entry, and only the whole Bundle knows what it is. FHIR's definitions
 * restrict a reference's target types, which only a typed reference shows.
 */
function withTypedReferences(resources: FhirResource[]): FhirResource[] {
  const typeOf = new Map(resources.map((resource) => [`urn:uuid:${resource.id}`, resource.resourceType]));
  const retype = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(retype);
    else if (value && typeof value === 'object') {
      const node = value as Record<string, unknown>;
      for (const [key, child] of Object.entries(node)) {
        if (key === 'reference' && typeof child === 'string' && typeOf.has(child)) node.reference = `${typeOf.get(child)}/${child.slice('urn:uuid:'.length)}`;
        else if (child && typeof child === 'object') retype(child);
      }
    }
  };
  retype(resources);
  return resources;
}

/** Any other FHIR path: a FHIR client gets an OperationOutcome saying what is served, not the web client's HTML. */
export const fhirNotServed: RequestHandler = (_req, res) =>
  fail(res, 404, 'NOT_FOUND', 'not-found', 'Not served: the FHIR API here is GET /fhir/Patient/{id}/$everything');

/** Organizations named as a record's source (`meta.source` = `urn:uuid:<id>`, see the clinical export). */
function sourceOrganizations(resources: readonly FhirResource[]): string[] {
  return resources.flatMap((resource) => {
    const source = resource.meta?.source;
    return source?.startsWith('urn:uuid:') ? [source.slice('urn:uuid:'.length)] : [];
  });
}
