import { findByIds, groupedBy, notFound, orderByIds, type Connection, type RequestContext } from '@caregraph/platform';
import { billingRecordsOfPatient, visibleBillingRecords, type BillingWriter } from './billing-access';
import { ClaimTransition } from './claim-transition.entity';
import { Claim } from './claim.entity';
import type { PatientClaimsArgs } from './claim.inputs';

/** Claims as the caller may see them (billing-access.ts), and the claims a writer may change. */
export class ClaimService {
  constructor(private readonly ctx: RequestContext) {}

  /** Claims by id, in id order: null where unknown or hidden from the caller. */
  async visibleByIds(ids: readonly string[]): Promise<(Claim | null)[]> {
    return visibleBillingRecords(this.ctx, orderByIds(ids, await findByIds(this.ctx.em, Claim, ids)), 'Claim');
  }

  /**
   * A patient's claims, newest first (FHIR created), optionally by status: all of them for the
   * patient, those their organization billed for billing staff and partner apps; null when the
   * caller may not see the patient's claims.
   */
  listForPatient(patientId: string, args: PatientClaimsArgs, includeCount: boolean): Promise<Connection<Claim> | null> {
    return billingRecordsOfPatient(this.ctx, Claim, 'Claim', patientId, args.status ? { status: args.status } : {}, { ...args, includeCount });
  }

  /**
   * The claims a billing writer changes, in the order asked: each must be billed by the writer's
   * organization and its patient open to the writer's billing writes (the access policy); any
   * other answers NOT_FOUND on `fieldOf(index)`, like an unknown id. Not locked: writers lock
   * them again inside their transaction.
   */
  async writableByIds(ids: readonly string[], writer: BillingWriter, fieldOf: (index: number) => string): Promise<Claim[]> {
    // a fork: the request's identity map must not keep the row as it was before the write
    const rows = orderByIds(ids, await findByIds(this.ctx.em.fork(), Claim, ids));
    const decisions = await Promise.all(rows.map((claim) => (claim ? this.ctx.access.decision(claim.patientId, 'billing', 'write') : null)));
    return rows.map((claim, index) => {
      if (claim && claim.providerOrganizationId.toLowerCase() === writer.organizationId && decisions[index]?.allowed) return claim;
      if (claim) this.ctx.access.audit.noteDenied(claim.patientId.toLowerCase(), 'Claim');
      throw notFound('Claim', fieldOf(index));
    });
  }

  /** The transitions of each claim, oldest first (one query for a batch of claims). */
  async transitionsOf(claimIds: readonly string[]): Promise<ClaimTransition[][]> {
    const rows = await this.ctx.em.find(ClaimTransition, { claimId: { $in: [...new Set(claimIds)] } }, { orderBy: { at: 'asc', id: 'asc' } });
    return groupedBy(claimIds, rows, (row) => row.claimId);
  }
}
