import { findByIds, findPage, orderByIds, toConnection, type Connection, type RequestContext } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { Claim } from './claim.entity';
import type { PatientClaimsArgs } from './claim.inputs';

/** Claims of a patient. Writes come with the billing lifecycle; for now claims arrive by FHIR import. */
export class ClaimService {
  constructor(private readonly ctx: RequestContext) {}

  /** Claims by id, in id order: null where unknown or where the caller may not see the patient's billing record. */
  async visibleByIds(ids: readonly string[]): Promise<(Claim | null)[]> {
    const rows = orderByIds(ids, await findByIds(this.ctx.em, Claim, ids));
    return this.ctx.access.visible(rows, 'billing', 'Claim', (claim) => claim.patientId);
  }

  /** A patient's claims, newest first (FHIR created), optionally by status; null when the caller may not see them. */
  async listForPatient(patientId: string, args: PatientClaimsArgs, includeCount: boolean): Promise<Connection<Claim> | null> {
    if (!isUuid(patientId) || !(await this.ctx.access.check(patientId, 'billing', 'Claim'))) return null;
    const where: FilterQuery<Claim> = { patientId };
    if (args.status) where.status = args.status;
    const page = await findPage(this.ctx.em, Claim, where, {
      first: args.first,
      after: args.after,
      // matches the index (patient_id, created_at desc, id)
      orderBy: { createdAt: 'desc', id: 'asc' },
      includeCount,
    });
    if (page.items.length) this.ctx.access.noteRead(patientId, 'billing', 'Claim', page.items.length);
    return toConnection(page);
  }
}
