import {
  ACCESS_CATEGORIES, DENIED, parseSmartScope, type AccessBasis, type AccessCategory, type AccessDecision, type AccessIntent, type AccessPolicyFunction,
  type Principal, type SmartAction,
} from '@caregraph/platform';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import type { Patient } from '../patient/patient.entity';

export { ACCESS_CATEGORIES, DENIED, type AccessBasis, type AccessCategory, type AccessDecision };

/**
 * The consent categories that cover an access category: `all` covers clinical and billing; a
 * consent that opens a part of the record also lets the organization see who the patient is.
 */
export const CONSENT_COVERS: Record<AccessCategory, readonly string[]> = {
  demographics: ['clinical', 'billing', 'all'],
  clinical: ['clinical', 'all'],
  billing: ['billing', 'all'],
};

/** FHIR resource types of the billing part of a record; Patient is demographics; the rest is clinical. */
const BILLING_TYPES = new Set(['Claim', 'ClaimResponse', 'ExplanationOfBenefit', 'Coverage', 'CoverageEligibilityRequest',
  'CoverageEligibilityResponse', 'Account', 'Invoice', 'ChargeItem', 'PaymentNotice', 'PaymentReconciliation']);
const DEMOGRAPHIC_TYPES = new Set(['Patient', 'RelatedPerson', 'Person']);

/** The category a FHIR resource type belongs to (`*` is every category). */
export function categoryOfResourceType(resourceType: string): AccessCategory {
  if (DEMOGRAPHIC_TYPES.has(resourceType)) return 'demographics';
  if (BILLING_TYPES.has(resourceType)) return 'billing';
  return 'clinical';
}

/** The SMART actions that count as reading, or as writing (create, update, delete). */
const INTENT_ACTIONS: Record<AccessIntent, readonly SmartAction[]> = { read: ['r'], write: ['c', 'u', 'd'] };

/**
 * SMART scopes (v1 `patient/Observation.read`, v2 `system/Observation.rs`) → the categories they
 * read, or (intent `write`: v1 `.write`, v2 `.c`/`.u`/`.d`) write into. `*` covers all three. Any
 * read scope also covers demographics: a partner app cannot use a claim or an observation without
 * knowing whose it is (as billing staff see demographics). Write scopes open nothing to read.
 */
export function categoriesOfScopes(scopes: readonly string[], intent: AccessIntent = 'read'): Set<AccessCategory> {
  const categories = new Set<AccessCategory>();
  for (const scope of scopes) {
    const parsed = parseSmartScope(scope);
    if (!parsed || !INTENT_ACTIONS[intent].some((action) => parsed.actions.has(action))) continue;
    if (parsed.resourceType === '*') ACCESS_CATEGORIES.forEach((category) => categories.add(category));
    else categories.add(categoryOfResourceType(parsed.resourceType));
  }
  if (intent === 'read' && categories.size) categories.add('demographics');
  return categories;
}

/** What a principal's organization-based access may rest on, for one category. */
interface OrganizationRule {
  organizationId: string;
  registration: boolean;
  /** Consent categories that count; empty: consent does not count for this principal. */
  consentCategories: readonly string[];
  /** A user id whose active break-glass counts; null: break-glass does not count. */
  breakGlassUserId: string | null;
}

/** What clinicians may read of a patient they may see. */
const CLINICIAN_CATEGORIES: readonly AccessCategory[] = ['demographics', 'clinical'];

/** Break-glass opens what emergency care needs, never billing. */
const BREAK_GLASS_CATEGORIES: readonly AccessCategory[] = ['demographics', 'clinical'];

/**
 * The consent categories that count when reading `category`, for a principal who may read
 * `readable` through consent: a consent opens demographics only if it covers a part of the
 * record the principal may read (a billing clerk does not learn who has a clinical-only consent).
 */
function consentCategoriesFor(category: AccessCategory, readable: readonly AccessCategory[]): string[] {
  if (category !== 'demographics') return readable.includes(category) ? [...CONSENT_COVERS[category]] : [];
  return [...new Set(readable.filter((c) => c !== 'demographics').flatMap((c) => CONSENT_COVERS[c]))];
}

function ruleFor(principal: Principal, category: AccessCategory, intent: AccessIntent = 'read'): OrganizationRule | null {
  if (principal.kind === 'client') {
    // the organization's patients (registration, or a consent covering the category), for what the scopes allow
    const permitted = categoriesOfScopes(principal.scopes, intent);
    if (!principal.organizationId || !permitted.has(category)) return null;
    return { organizationId: principal.organizationId, registration: true, consentCategories: consentCategoriesFor(category, [...permitted]), breakGlassUserId: null };
  }
  if (principal.kind !== 'user' || !principal.organizationId) return null;
  const organizationId = principal.organizationId;
  switch (principal.role) {
    case 'physician':
    case 'nurse':
      // clinicians: who the patient is and the clinical record; claims are billing's (minimum necessary)
      if (category === 'billing') return null;
      return {
        organizationId,
        registration: true,
        consentCategories: consentCategoriesFor(category, CLINICIAN_CATEGORIES),
        breakGlassUserId: BREAK_GLASS_CATEGORIES.includes(category) ? principal.userId : null,
      };
    case 'billing':
      // billing staff: the billing part (and who the patient is), by registration or by a consent covering billing
      if (category === 'clinical') return null;
      return { organizationId, registration: true, consentCategories: consentCategoriesFor(category, ['demographics', 'billing']), breakGlassUserId: null };
    case 'org_admin':
    case 'compliance':
      return category === 'demographics' ? { organizationId, registration: true, consentCategories: [], breakGlassUserId: null } : null;
    default:
      return null;
  }
}

interface Row {
  patient_id: string;
  registered: boolean;
  consented: boolean;
  break_glass: boolean;
}

/**
 * Decides, for every patient id, whether `principal` may see `category` of that patient's record
 * (intent `write`: may write into it) at `now`, and on what basis (own record > registration >
 * consent > break-glass). One SQL statement for the whole batch, whatever its size: the ids
 * travel as one array parameter and each id costs an index probe per basis (patient_registration's
 * (patient_id, organization_id) key, patient_consent_decision_idx, break_glass_access_decision_idx).
 * Nothing is cached, so a revocation counts from the very next decision.
 *
 * Ids that are not uuids are denied without reaching Postgres. The result has one entry per
 * distinct id given (lowercased). `system` principals get nothing here: jobs bypass the policy
 * where they run, not through it.
 */
export async function decidePatientAccess(
  em: EntityManager,
  principal: Principal,
  patientIds: readonly string[],
  category: AccessCategory,
  now: Date = new Date(),
  intent: AccessIntent = 'read',
): Promise<Map<string, AccessDecision>> {
  if (!ACCESS_CATEGORIES.includes(category)) throw new Error('decidePatientAccess: unknown category');
  const decisions = new Map<string, AccessDecision>();
  const ids: string[] = [];
  for (const raw of patientIds) {
    const id = raw.toLowerCase();
    if (decisions.has(id)) continue;
    decisions.set(id, DENIED);
    if (isUuid(id)) ids.push(id);
  }
  if (principal.kind === 'user' && principal.role === 'patient') {
    // a patient sees their own record, all of it, and nothing else
    const own = principal.patientId?.toLowerCase();
    if (own && decisions.has(own)) decisions.set(own, { allowed: true, basis: 'own-record' });
    return decisions;
  }
  const rule = ruleFor(principal, category, intent);
  if (!rule || ids.length === 0) return decisions;

  const consentSql = rule.consentCategories.length
    ? `exists (select 1 from "patients"."patient_consent" c
               where c.patient_id = p.id and c.organization_id = ?::uuid and c.revoked_at is null
                 and c.category in (${rule.consentCategories.map(() => '?').join(', ')})
                 and c.granted_at <= ?::timestamptz and (c.expires_at is null or c.expires_at > ?::timestamptz))`
    : 'false';
  const breakGlassSql = rule.breakGlassUserId
    ? `exists (select 1 from "patients"."break_glass_access" b
               where b.patient_id = p.id and b.user_id = ? and b.expires_at > ?::timestamptz and b.started_at <= ?::timestamptz)`
    : 'false';
  const at = now.toISOString();
  const params: unknown[] = [rule.organizationId];
  if (rule.consentCategories.length) params.push(rule.organizationId, ...rule.consentCategories, at, at);
  if (rule.breakGlassUserId) params.push(rule.breakGlassUserId, at, at);
  // one text parameter for the batch: MikroORM inlines parameters and would expand a bound array
  params.push(`{${ids.join(',')}}`);
  const rows = (await em.execute(
    `select p.id::text as patient_id,
            exists (select 1 from "patients"."patient_registration" r
                    where r.patient_id = p.id and r.organization_id = ?::uuid and r.status = 'active') as registered,
            ${consentSql} as consented,
            ${breakGlassSql} as break_glass
     from unnest(?::uuid[]) as p(id)`,
    params,
    'all',
  )) as Row[];
  for (const row of rows) {
    const basis: AccessBasis | null = row.registered && rule.registration ? 'registration'
      : row.consented ? 'consent'
        : row.break_glass ? 'break-glass'
          : null;
    if (basis) decisions.set(row.patient_id, { allowed: true, basis });
  }
  return decisions;
}

/** One patient's decision (a batch of one). */
export async function decideOnePatient(em: EntityManager, principal: Principal, patientId: string, category: AccessCategory, now = new Date()): Promise<AccessDecision> {
  return (await decidePatientAccess(em, principal, [patientId], category, now)).get(patientId.toLowerCase()) ?? DENIED;
}

/** The policy as the subgraph server runs it (in-process here, over HTTP for the other subgraphs). */
export const patientAccessPolicy = (em: EntityManager): AccessPolicyFunction => (principal, patientIds, category, intent) =>
  decidePatientAccess(em, principal, patientIds, category, new Date(), intent);

/**
 * The same policy as a condition on Patient, for lists (search, worklists): the patients
 * `principal` may see `category` of at `now`, answered by the database with the same indexes.
 * `null`: the principal may see no patient's `category` through a list.
 */
export function accessiblePatients(principal: Principal, category: AccessCategory, now: Date = new Date()): FilterQuery<Patient> | null {
  if (principal.kind === 'user' && principal.role === 'patient') return principal.patientId ? { id: principal.patientId.toLowerCase() } : null;
  const rule = ruleFor(principal, category);
  if (!rule) return null;
  const or: FilterQuery<Patient>[] = [];
  if (rule.registration) or.push({ registrationRows: { $some: { organization: rule.organizationId, status: 'active' } } } as FilterQuery<Patient>);
  if (rule.consentCategories.length) {
    or.push({
      consentRows: {
        $some: {
          organization: rule.organizationId,
          category: { $in: [...rule.consentCategories] },
          revokedAt: null,
          grantedAt: { $lte: now },
          $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
        },
      },
    } as FilterQuery<Patient>);
  }
  if (rule.breakGlassUserId) {
    or.push({ breakGlassRows: { $some: { userId: rule.breakGlassUserId, startedAt: { $lte: now }, expiresAt: { $gt: now } } } } as FilterQuery<Patient>);
  }
  return or.length ? { $or: or } : null;
}
