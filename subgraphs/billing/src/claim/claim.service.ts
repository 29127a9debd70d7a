import { findPage, toConnection, type Connection, type RequestContext, findByIds } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { Claim } from './claim.entity';
import type { PatientClaimsArgs } from './claim.inputs';

const EMPTY_PAGE = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };

/** Claims of a patient. Writes come with the billing lifecycle; for now claims arrive by FHIR import. */
export class ClaimService {
  constructor(private readonly ctx: RequestContext) {}

  /** Ids that are not UUIDs cannot exist (and would make Postgres fail the whole batch). */
  findByIds(ids: readonly string[]): Promise<Claim[]> {
    return findByIds(this.ctx.em, Claim, ids);
  }

  /** A patient's claims, newest first (FHIR created), optionally by status. */
  async listForPatient(patientId: string, args: PatientClaimsArgs, includeCount: boolean): Promise<Connection<Claim>> {
    if (!isUuid(patientId)) return EMPTY_PAGE;
    const where: FilterQuery<Claim> = { patientId };
    if (args.status) where.status = args.status;
    const page = await findPage(this.ctx.em, Claim, where, {
      first: args.first,
      after: args.after,
      // matches the index (patient_id, created_at desc, id)
      orderBy: { createdAt: 'desc', id: 'asc' },
      includeCount,
    });
    return toConnection(page);
  }
}
