import { appendAudit, badInput, forbidden, notFound, unauthenticated, type RequestContext } from '@caregraph/platform';
import { LockMode } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { Patient } from '../patient/patient.entity';
import { publishAccessNarrowing } from './access-narrowing-events';
import { decideOnePatient } from './access-policy';
import { BREAK_GLASS_MINUTES, BreakGlassAccess } from './break-glass.entity';
import type { BreakGlassArgs } from './break-glass.inputs';

/** Break-glass: a clinician's audited emergency access to a patient they cannot otherwise see. */
export class BreakGlassService {
  constructor(private readonly ctx: RequestContext) {}

  /** Starts break-glass; a refusal (role, unknown patient, not needed, bad reason) is audited too. */
  async start(args: BreakGlassArgs): Promise<BreakGlassAccess> {
    try {
      return await this.open(args);
    } catch (error) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      if (code) {
        await this.ctx.access.audit.record({
          action: 'break_glass',
          outcome: 'denied',
          patientId: isUuid(args.patientId) ? args.patientId.toLowerCase() : null,
          purpose: 'break-glass',
          detail: { code },
        });
      }
      throw error;
    }
  }

  private async open(args: BreakGlassArgs): Promise<BreakGlassAccess> {
    const { principal } = this.ctx;
    if (principal.kind === 'anonymous') throw unauthenticated();
    if (principal.kind !== 'user' || (principal.role !== 'physician' && principal.role !== 'nurse')) {
      throw forbidden('Only physicians and nurses may use break-glass');
    }
    const reason = args.reason.trim();
    if (reason.length < 10 || reason.length > 500) throw badInput('reason', 'reason must be 10 to 500 characters');
    const patientId = args.patientId.toLowerCase();
    return this.ctx.em.transactional(async (em) => {
      // the patient row lock serialises break-glass on one patient (no two windows at once)
      const patient = await em.findOne(Patient, { id: patientId }, { lockMode: LockMode.PESSIMISTIC_WRITE, fields: ['id'] });
      if (!patient) throw notFound('Patient', 'patientId');
      const now = new Date();
      const current = await decideOnePatient(em, principal, patientId, 'clinical', now);
      if (current.allowed) {
        throw badInput('patientId', current.basis === 'break-glass'
          ? 'Break-glass is already active for this patient'
          : 'Break-glass is not needed: you may already see this patient');
      }
      const access = em.create(BreakGlassAccess, {
        userId: principal.userId,
        organizationId: principal.organizationId,
        patient: patientId,
        reason,
        startedAt: now,
        expiresAt: new Date(now.getTime() + BREAK_GLASS_MINUTES * 60_000),
      });
      await em.flush();
      // same transaction: no access without its audit row. The reason may hold PHI: it stays out.
      await appendAudit(em, {
        service: 'patients',
        requestId: this.ctx.requestId,
        actor: principal,
        action: 'break_glass',
        outcome: 'success',
        patientId,
        purpose: 'break-glass',
        breakGlass: true,
        detail: { breakGlassId: access.id, expiresAt: access.expiresAt.toISOString() },
      });
      // live views opened under it (chart rooms) are decided again when it expires
      await publishAccessNarrowing(em, [{ patientId, reason: 'break-glass-expires', effectiveAt: access.expiresAt, userId: principal.userId }]);
      return access;
    });
  }
}
