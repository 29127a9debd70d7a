import { groupedBy, perRequest } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { validate as isUuid } from 'uuid';
import { billingReader } from '../claim/billing-access';
import type { BillingContext } from '../context';
import { Coverage } from './coverage.entity';

/**
 * A patient's coverages, for whoever may see the patient's billing record: the patient, and the
 * billing staff and partner apps (system/Coverage.read) of an organization the policy opens the
 * patient to. Insurance is the patient's, not one organization's: every coverage is shown.
 */
export class CoverageService {
  static of(ctx: BillingContext): CoverageService {
    return perRequest(ctx, CoverageService, () => new CoverageService(ctx));
  }

  private constructor(private readonly ctx: BillingContext) {}

  /** Every coverage of the patients a request asks about, in one query. */
  private readonly byPatient = new DataLoader<string, Coverage[]>(async (patientIds) =>
    groupedBy(patientIds, await this.ctx.em.find(Coverage, { patientId: { $in: [...patientIds] } }, { orderBy: { benefitOrder: 'asc', periodStart: 'desc', id: 'asc' } }), (coverage) => coverage.patientId));

  /** In order of benefits (primary first); null when the caller may not see them, like an unknown patient. */
  async forPatient(patientId: string): Promise<Coverage[] | null> {
    if (!isUuid(patientId)) return null;
    const id = patientId.toLowerCase();
    if (!billingReader(this.ctx.principal, 'Coverage')) {
      this.ctx.access.audit.noteDenied(id, 'Coverage');
      return null;
    }
    if (!(await this.ctx.access.check(id, 'billing', 'Coverage'))) return null;
    const coverages = await this.byPatient.load(id);
    if (coverages.length) this.ctx.access.noteRead(id, 'billing', 'Coverage', coverages.length);
    return coverages;
  }
}
