import { conflict, findPage, notFound, toConnection, type Coding, type CodingInput, type Connection, type RequestContext, forbidden, requireStaff } from '@caregraph/platform';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Organization } from '../organization/organization.entity';
import { toPeriod } from '../shared/period';
import { PractitionerRole, codeKey } from './practitioner-role.entity';
import { Practitioner } from './practitioner.entity';
import type { CreatePractitionerRoleInput, PractitionerRolesArgs, UpdatePractitionerRoleInput } from './practitioner-role.inputs';

const toCoding = (input: CodingInput): Coding => ({ system: input.system?.trim() || null, code: input.code.trim(), display: input.display ?? null });
const duplicateRole = () => conflict('The practitioner already has this role at this organization', { field: 'code' });

/** Practitioner roles: who works where, in which role. */
export class PractitionerRoleService {
  constructor(private readonly ctx: RequestContext) {}

  async ofPractitioners(practitionerIds: readonly string[]): Promise<PractitionerRole[]> {
    return this.ctx.em.find(PractitionerRole, { practitioner: { $in: [...practitionerIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Roles at one organization, oldest first (index on organization_id, created_at, id). */
  async ofOrganization(organizationId: string, args: PractitionerRolesArgs, includeCount: boolean): Promise<Connection<PractitionerRole>> {
    const page = await findPage(this.ctx.em, PractitionerRole, { organization: organizationId }, {
      first: args.first,
      after: args.after,
      orderBy: { createdAt: 'asc', id: 'asc' },
      includeCount,
    });
    return toConnection(page);
  }

  async create(input: CreatePractitionerRoleInput): Promise<PractitionerRole> {
    const admin = requireStaff(this.ctx.principal, ['org_admin'], 'manage practitioner roles');
    if (input.organizationId.toLowerCase() !== admin.organizationId) throw forbidden('Roles are added by an administrator of their organization');
    const { em } = this.ctx;
    if (!(await em.findOne(Practitioner, { id: input.practitionerId }))) throw notFound('Practitioner', 'practitionerId');
    if (!(await em.findOne(Organization, { id: input.organizationId }))) throw notFound('Organization', 'organizationId');
    const code = toCoding(input.code);
    const key = codeKey(code);
    const period = toPeriod(input.period, 'period');
    if (await em.count(PractitionerRole, { practitioner: input.practitionerId, organization: input.organizationId, codeKey: key })) throw duplicateRole();
    const role = em.create(PractitionerRole, {
      practitioner: input.practitionerId,
      organization: input.organizationId,
      code,
      codeKey: key,
      specialty: input.specialty ? toCoding(input.specialty) : null,
      periodStart: period?.start ?? null,
      periodEnd: period?.end ?? null,
    });
    await this.flush();
    return role;
  }

  async update(input: UpdatePractitionerRoleInput): Promise<PractitionerRole> {
    const admin = requireStaff(this.ctx.principal, ['org_admin'], 'manage practitioner roles');
    const role = await this.ctx.em.findOne(PractitionerRole, { id: input.id });
    if (!role) throw notFound('PractitionerRole', 'id');
    if (role.organization.id !== admin.organizationId) throw forbidden('Roles are changed by an administrator of their organization');
    if (input.active !== undefined && input.active !== null) role.active = input.active;
    if (input.specialty !== undefined) role.specialty = input.specialty ? toCoding(input.specialty) : null;
    if (input.period !== undefined) {
      const period = toPeriod(input.period, 'period');
      role.periodStart = period?.start ?? null;
      role.periodEnd = period?.end ?? null;
    }
    await this.flush();
    return role;
  }

  private async flush(): Promise<void> {
    try {
      await this.ctx.access.flushAudited(this.ctx.em, null, 'demographics', 'PractitionerRole');
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw duplicateRole();
      throw error;
    }
  }
}
