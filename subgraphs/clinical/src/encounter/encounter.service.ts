import { badInput, findPage, toConnection, type Coding, type CodingInput, type Connection, type RequestContext, findByIds } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { validate as isUuid } from 'uuid';
import { Encounter } from './encounter.entity';
import type { PatientEncountersArgs, RecordEncounterInput } from './encounter.inputs';

const toCoding = (coding: CodingInput): Coding => ({ system: coding.system ?? null, code: coding.code, display: coding.display ?? null });

/** Encounters of a patient: the spine of the clinical record that other clinical data hangs off. */
export class EncounterService {
  constructor(private readonly ctx: RequestContext) {}

  /** Ids that are not UUIDs cannot exist (and would make Postgres fail the whole batch). */
  findByIds(ids: readonly string[]): Promise<Encounter[]> {
    return findByIds(this.ctx.em, Encounter, ids);
  }

  /** A patient's encounters, newest first, optionally by status and start time window [from, to). */
  async listForPatient(patientId: string, args: PatientEncountersArgs, includeCount: boolean): Promise<Connection<Encounter>> {
    const { from, to } = args;
    if (from && to && to < from) throw badInput('to', 'to must not be before from');
    if (!isUuid(patientId)) return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };

    const where: FilterQuery<Encounter> = { patientId };
    if (args.status) where.status = args.status;
    if (from || to) where.periodStart = { ...(from && { $gte: from }), ...(to && { $lt: to }) };
    const page = await findPage(this.ctx.em, Encounter, where, {
      first: args.first,
      after: args.after,
      // matches the index (patient_id, period_start desc, id)
      orderBy: { periodStart: 'desc', id: 'asc' },
      includeCount,
    });
    return toConnection(page);
  }

  async record(input: RecordEncounterInput): Promise<Encounter> {
    const { periodStart, periodEnd = null } = input;
    if (periodEnd && periodEnd < periodStart) throw badInput('periodEnd', 'periodEnd must not be before periodStart');
    const encounter = this.ctx.em.create(Encounter, {
      patientId: input.patientId.toLowerCase(),
      organizationId: input.organizationId.toLowerCase(),
      status: input.status,
      classCode: input.classCode,
      type: input.type ? toCoding(input.type) : null,
      reasons: input.reasons.map(toCoding),
      periodStart,
      periodEnd,
      participantPractitionerIds: [...new Set(input.participantPractitionerIds.map((id) => id.toLowerCase()))],
    });
    await this.ctx.em.flush();
    return encounter;
  }
}
