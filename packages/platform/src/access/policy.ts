import type { Principal, Role } from '../context';

/**
 * The patient access policy as every subgraph sees it. The patients subgraph owns the data the
 * policy rests on (registrations, consents, break-glass) and decides; the other subgraphs ask it
 * (POST ACCESS_DECISIONS_PATH, batched per request) and enforce the answer where they load data.
 */

/** The parts of a patient record access is decided on (chart comments count as clinical). */
export const ACCESS_CATEGORIES = ['demographics', 'clinical', 'billing'] as const;
export type AccessCategory = (typeof ACCESS_CATEGORIES)[number];

/** Why access is allowed; null when it is not. */
export type AccessBasis = 'own-record' | 'registration' | 'consent' | 'break-glass';
export const ACCESS_BASES: readonly AccessBasis[] = ['own-record', 'registration', 'consent', 'break-glass'];

export interface AccessDecision {
  allowed: boolean;
  basis: AccessBasis | null;
}

export const DENIED: AccessDecision = Object.freeze({ allowed: false, basis: null });

/**
 * Whether the caller reads a category or writes into it. For people they are decided alike (each
 * write also checks the person's role); a partner app's SMART scopes say which it may do, so a
 * device client with `system/Observation.c` writes readings without reading anyone's chart.
 */
export const ACCESS_INTENTS = ['read', 'write'] as const;
export type AccessIntent = (typeof ACCESS_INTENTS)[number];

/**
 * Decides a batch: one entry per distinct id given, lowercased. `forSubjects`, where the policy is
 * asked over HTTP, asks the same endpoint's subjects variant (see decideForSubjects); without it the
 * policy is decided in-process.
 */
export type AccessPolicyFunction = ((principal: Principal, patientIds: readonly string[], category: AccessCategory, intent?: AccessIntent) => Promise<Map<string, AccessDecision>>)
  & { forSubjects?: SubjectAccessPolicyFunction };

/**
 * A signed-in staff member a service asks about while acting for someone else: the other
 * participants of a message thread, the clinicians a comment mentions.
 */
export interface AccessSubject {
  userId: string;
  role: Exclude<Role, 'patient'>;
  organizationId: string;
}

/** Per subject (by userId), per patient id (lowercased): may the subject read `category`? */
export type SubjectDecisions = Map<string, Map<string, AccessDecision>>;

/** Decides for subjects, as asked by the request's principal (see decideForSubjects). */
export type SubjectAccessPolicyFunction = (subjects: readonly AccessSubject[], patientIds: readonly string[], category: AccessCategory) => Promise<SubjectDecisions>;

/** Where the patients subgraph answers other subgraphs' access questions. */
export const ACCESS_DECISIONS_PATH = '/internal/access-decisions';
/**
 * The gateway's assertions name this audience beside the subgraph's own, so a subgraph can pass
 * the assertion it received on to the access policy: the principal stays the one the gateway
 * vouched for, and the assertion is still useless against any other subgraph's /graphql.
 */
export const ACCESS_POLICY_AUDIENCE = 'caregraph-access-policy';
/** Most ids one decisions request may carry (DataLoader batches are cut to this size). */
export const MAX_ACCESS_BATCH = 500;

/** Where the patients subgraph decides for subjects other than the caller (see decideForSubjects). */
export const ACCESS_SUBJECT_DECISIONS_PATH = '/internal/access-decisions/subjects';
/** Most subjects one subjects request may carry. */
export const MAX_ACCESS_SUBJECTS = 100;

/** The principal a subject would be when signed in (no session: it only feeds the policy). */
export function subjectPrincipal(subject: AccessSubject): Principal {
  return { kind: 'user', userId: subject.userId, role: subject.role, organizationId: subject.organizationId, patientId: null, sessionId: 'access-subject' };
}

/**
 * What `policy` decides for each subject, asked by `caller`: only about patients the caller may
 * read `category` of; for any other patient every subject is refused, so a service cannot learn
 * through someone else more than its caller may see. Reading only (a subject never writes here).
 */
export async function decideForSubjects(
  policy: AccessPolicyFunction,
  caller: Principal,
  subjects: readonly AccessSubject[],
  patientIds: readonly string[],
  category: AccessCategory,
): Promise<SubjectDecisions> {
  const own = await policy(caller, patientIds, category, 'read');
  const readable = [...own].filter(([, decision]) => decision.allowed).map(([id]) => id);
  const result: SubjectDecisions = new Map();
  for (const subject of subjects) {
    const decided = readable.length ? await policy(subjectPrincipal(subject), readable, category, 'read') : new Map<string, AccessDecision>();
    result.set(subject.userId, new Map([...own.keys()].map((id) => [id, decided.get(id) ?? DENIED])));
  }
  return result;
}

/**
 * Why a principal reads a record, as the audit log states it (HIPAA's treatment / payment /
 * operations, the patient's own right of access, or the emergency override).
 */
export function purposeOf(principal: Principal, basis: AccessBasis | null): string | null {
  if (basis === 'break-glass') return 'break-glass';
  if (principal.kind === 'client') return 'partner-app';
  if (principal.kind === 'system') return principal.purpose;
  if (principal.kind !== 'user') return null;
  switch (principal.role) {
    case 'physician':
    case 'nurse':
      return 'treatment';
    case 'billing':
      return 'payment';
    case 'org_admin':
    case 'compliance':
      return 'operations';
    case 'patient':
      return 'own-record';
  }
}
