import { badInput, conflict, escapeLike, findPage, notFound, searchTerms, toConnection, type Connection, type Identifier, type IdentifierInput, type RequestContext, findByIds, requireStaff } from '@caregraph/platform';
import { UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/postgresql';
import { Organization } from '../organization/organization.entity';
import { nameTokens, namesFromInput, sortName } from '../shared/names';
import { toPeriod } from '../shared/period';
import { syncCollection } from '../shared/collection-sync';
import { NPI_PATTERN, NPI_SYSTEM } from '../shared/validators';
import { PractitionerNameToken } from './practitioner-name-token.entity';
import { Practitioner } from './practitioner.entity';
import type { CreatePractitionerInput, PractitionersArgs, UpdatePractitionerInput } from './practitioner.inputs';
import type { PractitionerQualification, PractitionerQualificationInput } from './qualification';

/** Recomputes sort name and name tokens from `names` (tokens collection initialized). */
export function syncPractitionerRows(practitioner: Practitioner): void {
  practitioner.sortName = sortName(practitioner.names);
  syncCollection(
    practitioner.nameTokens,
    nameTokens(practitioner.names),
    (row) => row.token,
    (token) => token,
    (token) => Object.assign(new PractitionerNameToken(), { practitioner, token }),
  );
}

const npiTaken = () => conflict('Another practitioner has this NPI', { field: 'npi' });

/** Practitioners: the directory of clinicians, shared by every organization. */
export class PractitionerService {
  constructor(private readonly ctx: RequestContext) {}

  findByIds(ids: readonly string[]): Promise<Practitioner[]> {
    return findByIds(this.ctx.em, Practitioner, ids);
  }

  /** Keyset page ordered by (sort_name, id); name words, NPI and organization are index lookups. */
  async list(args: PractitionersArgs, includeCount: boolean): Promise<Connection<Practitioner>> {
    const and: FilterQuery<Practitioner>[] = [];
    for (const term of searchTerms(args.name ?? '')) {
      and.push({ nameTokens: { $some: { token: { $like: `${escapeLike(term)}%` } } } });
    }
    if (args.npi) and.push({ npi: args.npi.trim() });
    if (args.organizationId) and.push({ roleRows: { $some: { organization: args.organizationId } } });
    const page = await findPage(this.ctx.em, Practitioner, and.length ? { $and: and } : {}, {
      first: args.first,
      after: args.after,
      orderBy: { sortName: 'asc', id: 'asc' },
      includeCount,
    });
    return toConnection(page);
  }

  async create(input: CreatePractitionerInput): Promise<Practitioner> {
    requireStaff(this.ctx.principal, ['org_admin'], 'add practitioners to the directory');
    const names = namesFromInput(input.names);
    const { npi, identifiers } = npiAndIdentifiers(input.npi, input.identifiers);
    const qualifications = await this.qualifications(input.qualifications);
    if (npi) await this.ensureNpiFree(npi);
    const practitioner = this.ctx.em.create(Practitioner, {
      names,
      sortName: sortName(names),
      npi,
      identifiers,
      qualifications,
      gender: input.gender ?? null,
      telecom: input.telecom,
      addresses: input.addresses,
    });
    syncPractitionerRows(practitioner);
    await this.flush();
    return practitioner;
  }

  async update(input: UpdatePractitionerInput): Promise<Practitioner> {
    requireStaff(this.ctx.principal, ['org_admin'], 'change practitioners');
    const practitioner = await this.ctx.em.findOne(Practitioner, { id: input.id }, { populate: ['nameTokens'] });
    if (!practitioner) throw notFound('Practitioner', 'id');
    if (input.names) practitioner.names = namesFromInput(input.names);
    if (input.npi !== undefined || input.identifiers) {
      const current = practitioner.identifiers.filter((identifier) => identifier.system !== NPI_SYSTEM);
      // a new npi replaces the NPI identifier; new identifiers without npi keep the stored npi unless they carry one
      const npiInput = input.npi !== undefined ? input.npi : input.identifiers?.some((i) => i.system === NPI_SYSTEM) ? undefined : practitioner.npi;
      const { npi, identifiers } = npiAndIdentifiers(npiInput, input.identifiers ?? current);
      if (npi && npi !== practitioner.npi) await this.ensureNpiFree(npi, practitioner.id);
      practitioner.npi = npi;
      practitioner.identifiers = identifiers;
    }
    if (input.qualifications) practitioner.qualifications = await this.qualifications(input.qualifications);
    if (input.gender !== undefined) practitioner.gender = input.gender;
    if (input.telecom) practitioner.telecom = input.telecom;
    if (input.addresses) practitioner.addresses = input.addresses;
    if (input.active !== undefined && input.active !== null) practitioner.active = input.active;
    syncPractitionerRows(practitioner);
    await this.flush();
    return practitioner;
  }

  /** Qualifications from input; each issuer must be a known organization (one query for all). */
  private async qualifications(inputs: readonly PractitionerQualificationInput[]): Promise<PractitionerQualification[]> {
    const issuerIds = [...new Set(inputs.map((q) => q.issuerId).filter((id): id is string => Boolean(id)))];
    const found = issuerIds.length ? await this.ctx.em.find(Organization, { id: { $in: issuerIds } }) : [];
    const known = new Set(found.map((organization) => organization.id));
    return inputs.map((q, index) => {
      if (q.issuerId && !known.has(q.issuerId)) throw notFound('Organization', `qualifications[${index}].issuerId`);
      return {
        code: { system: q.code.system ?? null, code: q.code.code, display: q.code.display ?? null },
        issuerId: q.issuerId ?? null,
        period: toPeriod(q.period, `qualifications[${index}].period`),
      };
    });
  }

  private async ensureNpiFree(npi: string, exceptId?: string): Promise<void> {
    const taken = await this.ctx.em.count(Practitioner, { npi, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (taken) throw npiTaken();
  }

  private async flush(): Promise<void> {
    try {
      await this.ctx.access.flushAudited(this.ctx.em, null, 'demographics', 'Practitioner');
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw npiTaken(); // only npi is unique on practitioner
      throw error;
    }
  }
}

/**
 * The npi column and identifier list from input: `npi` and an NPI identifier must agree; the
 * stored list always carries the NPI identifier when there is an npi. Both must be 10 digits.
 */
function npiAndIdentifiers(npiInput: string | null | undefined, inputs: readonly IdentifierInput[]): { npi: string | null; identifiers: Identifier[] } {
  const seen = new Set<string>();
  const identifiers: Identifier[] = inputs.map((identifier, index) => {
    const item = { system: identifier.system.trim(), value: identifier.value.trim(), type: identifier.type ?? null };
    if (!item.system || !item.value) throw badInput(`identifiers[${index}]`, 'system and value must not be blank');
    const key = `${item.system}\u0000${item.value}`;
    if (seen.has(key)) throw badInput(`identifiers[${index}]`, 'The same identifier is listed twice');
    seen.add(key);
    return item;
  });
  const npiIdentifiers = identifiers.filter((identifier) => identifier.system === NPI_SYSTEM);
  if (npiIdentifiers.length > 1) throw badInput('identifiers', 'Only one NPI identifier is allowed');
  const fromIdentifiers = npiIdentifiers[0]?.value;
  if (fromIdentifiers && !NPI_PATTERN.test(fromIdentifiers)) throw badInput('identifiers', 'An NPI must be exactly 10 digits');
  if (npiInput && fromIdentifiers && npiInput !== fromIdentifiers) throw badInput('npi', 'npi differs from the NPI identifier');
  const npi = npiInput ?? fromIdentifiers ?? null;
  if (npi && !fromIdentifiers) identifiers.push({ system: NPI_SYSTEM, value: npi, type: 'NPI' });
  return { npi, identifiers };
}
