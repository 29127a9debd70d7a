import type { Principal } from '../context';
import { ASSERTION_HEADER } from '../auth/internal-assertion';
import { REQUEST_ID_HEADER } from '../server/request-id';
import { ACCESS_BASES, ACCESS_DECISIONS_PATH, DENIED, type AccessCategory, type AccessDecision, type AccessIntent, type AccessPolicyFunction } from './policy';

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

/** The decisions endpoint of a patients service at `baseUrl` (its /graphql URL or its origin). */
export function accessDecisionsUrl(baseUrl: string): string {
  return new URL(ACCESS_DECISIONS_PATH, baseUrl).toString();
}

/**
 * The access policy as another subgraph asks it: one POST per batch, carrying the gateway's
 * assertion of the principal (audience includes ACCESS_POLICY_AUDIENCE) unchanged, so the policy
 * decides for the principal the gateway vouched for, not for whoever this service claims. Any
 * failure (network, timeout, non-200, malformed answer) throws: never a guess.
 */
export function remoteAccessPolicy(url: string, call: { assertion: string; requestId: string }, timeoutMs = 5_000): AccessPolicyFunction {
  return async (_principal: Principal, patientIds: readonly string[], category: AccessCategory, intent: AccessIntent = 'read') => {
    const body: AccessDecisionsRequest = { category, patientIds: [...patientIds], intent };
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: call.assertion, [REQUEST_ID_HEADER]: call.requestId },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AccessPolicyUnavailableError((error as Error).name);
    }
    if (!response.ok) throw new AccessPolicyUnavailableError(`status ${response.status}`);
    const answer = (await response.json().catch(() => null)) as AccessDecisionsResponse | null;
    if (!answer || !Array.isArray(answer.decisions)) throw new AccessPolicyUnavailableError('malformed answer');
    const decisions = new Map<string, AccessDecision>(patientIds.map((id) => [id.toLowerCase(), DENIED]));
    for (const entry of answer.decisions) {
      const id = String(entry.patientId).toLowerCase();
      if (entry.allowed === true && decisions.has(id) && ACCESS_BASES.includes(entry.basis as never)) decisions.set(id, { allowed: true, basis: entry.basis });
    }
    return decisions;
  };
}
