import type { Principal } from '../context';
import { ASSERTION_HEADER } from '../auth/internal-assertion';
import { createKeepAliveFetcher, type Fetcher, type FetcherResponse } from '../server/keep-alive-fetch';
import { REQUEST_ID_HEADER } from '../server/request-id';
import {
  ACCESS_BASES, ACCESS_DECISIONS_PATH, ACCESS_SUBJECT_DECISIONS_PATH, DENIED,
  type AccessCategory, type AccessDecision, type AccessIntent, type AccessPolicyFunction, type AccessSubject, type SubjectDecisions,
} from './policy';

/** The access policy could not be asked: the caller fails closed (no data) with a masked error. */
export class AccessPolicyUnavailableError extends Error {
  constructor(reason: string) {
    super(`access policy unavailable: ${reason}`);
    this.name = 'AccessPolicyUnavailableError';
  }
}

/** The wire format of POST /internal/access-decisions. */
export interface AccessDecisionsRequest {
  category: AccessCategory;
  patientIds: string[];
  /** Default read. */
  intent?: AccessIntent;
}
export interface AccessDecisionsResponse {
  decisions: { patientId: string; allowed: boolean; basis: AccessDecision['basis'] }[];
}

/** The wire format of POST /internal/access-decisions/subjects (reading only). */
export interface SubjectAccessDecisionsRequest {
  category: AccessCategory;
  patientIds: string[];
  subjects: AccessSubject[];
}
export interface SubjectAccessDecisionsResponse {
  decisions: { userId: string; patientId: string; allowed: boolean; basis: AccessDecision['basis'] }[];
}

/** The decisions endpoint of a patients service at `baseUrl` (its /graphql URL or its origin). */
export function accessDecisionsUrl(baseUrl: string): string {
  return new URL(ACCESS_DECISIONS_PATH, baseUrl).toString();
}

/** How long a decision may take without a byte of its answer before the caller gives up. */
const POLICY_TIMEOUT_MS = 5_000;

/** The process's connections to the access policy: kept alive, as every request of a subgraph asks it. */
let policyConnections: Fetcher | undefined;
const policyFetch: Fetcher = (url, init) => (policyConnections ??= createKeepAliveFetcher({ timeoutMs: POLICY_TIMEOUT_MS, repeatable: true }).fetcher)(url, init);

/**
 * The access policy as another subgraph asks it: one POST per batch, carrying the gateway's
 * assertion of the principal (audience includes ACCESS_POLICY_AUDIENCE) unchanged, so the policy
 * decides for the principal the gateway vouched for, not for whoever this service claims. Any
 * failure (network, timeout, non-200, malformed answer) throws: never a guess.
 */
export function remoteAccessPolicy(url: string, call: { assertion: string; requestId: string }, fetch: Fetcher = policyFetch): AccessPolicyFunction {
  /** POSTs `body` to `target` with the caller's assertion; the decisions list of the answer, or a throw. */
  const ask = async <E>(target: string, body: unknown): Promise<E[]> => {
    let response: FetcherResponse;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: call.assertion, [REQUEST_ID_HEADER]: call.requestId },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new AccessPolicyUnavailableError((error as NodeJS.ErrnoException).code ?? (error as Error).name);
    }
    if (!response.ok) throw new AccessPolicyUnavailableError(`status ${response.status}`);
    const answer = (await response.json().catch(() => null)) as { decisions?: unknown } | null;
    if (!answer || !Array.isArray(answer.decisions)) throw new AccessPolicyUnavailableError('malformed answer');
    return answer.decisions as E[];
  };
  const allowedBasis = (entry: { allowed: unknown; basis: unknown }): AccessDecision | null =>
    entry.allowed === true && ACCESS_BASES.includes(entry.basis as never) ? { allowed: true, basis: entry.basis as AccessDecision['basis'] } : null;

  const policy: AccessPolicyFunction = async (_principal: Principal, patientIds: readonly string[], category: AccessCategory, intent: AccessIntent = 'read') => {
    const body: AccessDecisionsRequest = { category, patientIds: [...patientIds], intent };
    const decisions = new Map<string, AccessDecision>(patientIds.map((id) => [id.toLowerCase(), DENIED]));
    for (const entry of await ask<AccessDecisionsResponse['decisions'][number]>(url, body)) {
      const id = String(entry.patientId).toLowerCase();
      const allowed = allowedBasis(entry);
      if (allowed && decisions.has(id)) decisions.set(id, allowed);
    }
    return decisions;
  };
  policy.forSubjects = async (subjects: readonly AccessSubject[], patientIds: readonly string[], category: AccessCategory) => {
    const body: SubjectAccessDecisionsRequest = { category, patientIds: [...patientIds], subjects: [...subjects] };
    const result: SubjectDecisions = new Map(subjects.map((subject) => [subject.userId, new Map(patientIds.map((id) => [id.toLowerCase(), DENIED]))]));
    for (const entry of await ask<SubjectAccessDecisionsResponse['decisions'][number]>(new URL(ACCESS_SUBJECT_DECISIONS_PATH, url).toString(), body)) {
      const decisions = result.get(String(entry.userId));
      const id = String(entry.patientId).toLowerCase();
      const allowed = allowedBasis(entry);
      if (allowed && decisions?.has(id)) decisions.set(id, allowed);
    }
    return result;
  };
  return policy;
}
