import { badInput, conflict, forbidden, notFound, unauthenticated, type Principal, type RequestContext, type Role } from '@caregraph/platform';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { publishAccessNarrowing } from '../access/access-narrowing-events';
import { Organization } from '../organization/organization.entity';
import { Patient } from '../patient/patient.entity';
import { PatientRegistration } from '../registration/registration.entity';
import { PatientConsent, type ConsentActorType } from './consent.entity';
import type { GrantConsentInput } from './consent.inputs';

/** Staff who may grant or revoke on a patient's behalf (at an organization where the patient is registered). */
const CONSENT_MANAGERS: readonly Role[] = ['physician', 'nurse', 'org_admin'];
/** Staff who may see a patient's consents (same condition); compliance reviews them. */
const CONSENT_VIEWERS: readonly Role[] = [...CONSENT_MANAGERS, 'compliance'];

function actorOf(principal: Principal): { type: ConsentActorType; id: string } {
  if (principal.kind === 'user') return { type: 'user', id: principal.userId };
  if (principal.kind === 'client') return { type: 'client', id: principal.clientId };
  if (principal.kind === 'system') return { type: 'system', id: principal.purpose };
  throw unauthenticated();
}

/**
 * The patients among `patientIds` whose consents `principal` may see (`roles` = staff roles
 * allowed), in one query: their own record, or staff of an organization where they are registered.
 */
export async function patientsManagedBy(em: EntityManager, principal: Principal, patientIds: readonly string[], roles: readonly Role[]): Promise<Set<string>> {
  const ids = [...new Set(patientIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))];
  const allowed = new Set<string>();
  if (principal.kind !== 'user' || ids.length === 0) return allowed;
  if (principal.role === 'patient') {
    if (principal.patientId && ids.includes(principal.patientId.toLowerCase())) allowed.add(principal.patientId.toLowerCase());
    return allowed;
  }
  if (!roles.includes(principal.role) || !principal.organizationId) return allowed;
  const rows = await em.find(
    PatientRegistration,
    { organization: principal.organizationId, patient: { $in: ids }, status: 'active' as PatientRegistration['status'] },
    { fields: ['patient'] },
  );
  for (const row of rows) allowed.add(row.patient.id);
  return allowed;
}

/** Consents: who outside the patient's registered organizations may see which part of the record. */
export class ConsentService {
  constructor(private readonly ctx: RequestContext) {}

  /** Consents of the patients, newest first within each; the caller checks visibility. */
  async ofPatients(patientIds: readonly string[]): Promise<PatientConsent[]> {
    if (!patientIds.length) return [];
    return this.ctx.em.find(PatientConsent, { patient: { $in: [...patientIds] } }, { orderBy: { grantedAt: 'desc', id: 'desc' } });
  }

  /** Throws UNAUTHENTICATED / FORBIDDEN unless the principal may manage the patient's consents. */
  private async authorize(em: EntityManager, patientId: string): Promise<void> {
    const { principal } = this.ctx;
    if (principal.kind === 'anonymous') throw unauthenticated();
    const managed = await patientsManagedBy(em, principal, [patientId], CONSENT_MANAGERS);
    if (!managed.has(patientId.toLowerCase())) {
      this.ctx.access.audit.noteDenied(patientId.toLowerCase(), 'Consent');
      throw forbidden('Not allowed to manage this patient\'s consents');
    }
  }

  async grant(input: GrantConsentInput): Promise<PatientConsent> {
    const now = new Date();
    const patientId = input.patientId.toLowerCase();
    const organizationId = input.organizationId.toLowerCase();
    await this.authorize(this.ctx.em, patientId);
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw badInput('expiresAt', 'expiresAt must be in the future');
    const actor = actorOf(this.ctx.principal);
    return this.ctx.em.transactional(async (em) => {
      // the patient row lock serialises grants for one patient, so the duplicate check holds
      const patient = await em.findOne(Patient, { id: patientId }, { lockMode: LockMode.PESSIMISTIC_WRITE, fields: ['id'] });
      if (!patient) throw notFound('Patient', 'patientId');
      if (!(await em.count(Organization, { id: organizationId }))) throw notFound('Organization', 'organizationId');
      const active = await em.count(PatientConsent, {
        patient: patientId,
        organization: organizationId,
        category: input.category,
        revokedAt: null,
        $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
      });
      if (active) throw conflict('An active consent for this organization and category already exists', { field: 'category' });
      const consent = em.create(PatientConsent, {
        patient: patientId,
        organization: organizationId,
        category: input.category,
        grantedAt: now,
        expiresAt: input.expiresAt ?? null,
        grantedByType: actor.type,
        grantedById: actor.id,
      });
      await em.flush();
      await this.ctx.access.recordWrite(em, patientId, 'demographics', 'Consent', { operation: 'grant', consentId: consent.id, category: input.category });
      if (consent.expiresAt) await publishAccessNarrowing(em, [{ patientId, reason: 'consent-expires', effectiveAt: consent.expiresAt, organizationId }]);
      return consent;
    });
  }

  async revoke(id: string): Promise<PatientConsent> {
    if (this.ctx.principal.kind === 'anonymous') throw unauthenticated();
    if (!isUuid(id)) throw badInput('id', 'id must be a UUID');
    const actor = actorOf(this.ctx.principal);
    return this.ctx.em.transactional(async (em) => {
      const consent = await em.findOne(PatientConsent, { id: id.toLowerCase() }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!consent) throw notFound('PatientConsent', 'id');
      await this.authorize(em, consent.patient.id);
      if (consent.revokedAt) throw conflict('The consent is already revoked', { field: 'id' });
      const revokedAt = new Date();
      consent.revokedAt = revokedAt;
      consent.revokedByType = actor.type;
      consent.revokedById = actor.id;
      await em.flush();
      await this.ctx.access.recordWrite(em, consent.patient.id, 'demographics', 'Consent', { operation: 'revoke', consentId: consent.id });
      await publishAccessNarrowing(em, [{ patientId: consent.patient.id, reason: 'consent-revoked', effectiveAt: revokedAt, organizationId: consent.organization.id }]);
      return consent;
    });
  }
}

export { CONSENT_VIEWERS };
