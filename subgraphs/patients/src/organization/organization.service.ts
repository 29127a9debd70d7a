import { escapeLike, findPage, foldForSearch, forbidden, notFound, requireStaff, toConnection, type Connection, type RequestContext, findByIds } from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { Organization } from './organization.entity';
import type { CreateOrganizationInput, OrganizationsArgs, UpdateOrganizationInput } from './organization.inputs';

/** Organizations are directory data: readable by every signed-in caller, written by admins. */
export class OrganizationService {
  constructor(private readonly ctx: RequestContext) {}

  async findById(id: string): Promise<Organization | null> {
    return this.ctx.em.findOne(Organization, { id });
  }

  findByIds(ids: readonly string[]): Promise<Organization[]> {
    return findByIds(this.ctx.em, Organization, ids, {}, { readOnly: true });
  }

  async list(args: OrganizationsArgs, includeCount: boolean): Promise<Connection<Organization>> {
    const where: FilterQuery<Organization> = {};
    if (args.name) where.searchName = { $like: `${escapeLike(foldForSearch(args.name))}%` };
    if (args.type) where.type = args.type;
    const page = await findPage(this.ctx.em, Organization, where, {
      first: args.first,
      after: args.after,
      orderBy: { searchName: 'asc', id: 'asc' },
      includeCount,
    });
    return toConnection(page);
  }

  async create(input: CreateOrganizationInput): Promise<Organization> {
    requireStaff(this.ctx.principal, ['org_admin'], 'add organizations to the directory');
    const organization = this.ctx.em.create(Organization, {
      name: input.name.trim(),
      searchName: foldForSearch(input.name),
      type: input.type,
      identifiers: input.identifiers,
      telecom: input.telecom,
      addresses: input.addresses,
    });
    await this.ctx.access.flushAudited(this.ctx.em, null, 'demographics', 'Organization', { operation: 'create', organizationId: organization.id });
    return organization;
  }

  async update(input: UpdateOrganizationInput): Promise<Organization> {
    const admin = requireStaff(this.ctx.principal, ['org_admin'], 'change organizations');
    const organization = await this.findById(input.id);
    if (!organization) throw notFound('Organization', 'id');
    if (organization.id !== admin.organizationId) throw forbidden('Only an administrator of this organization may change it');
    if (input.name !== undefined) {
      organization.name = input.name.trim();
      organization.searchName = foldForSearch(input.name);
    }
    if (input.type !== undefined) organization.type = input.type;
    if (input.active !== undefined && input.active !== null) organization.active = input.active;
    if (input.identifiers) organization.identifiers = input.identifiers;
    if (input.telecom) organization.telecom = input.telecom;
    if (input.addresses) organization.addresses = input.addresses;
    await this.ctx.access.flushAudited(this.ctx.em, null, 'demographics', 'Organization', { operation: 'update', organizationId: organization.id });
    return organization;
  }
}
