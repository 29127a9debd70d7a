import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import type { PatientsContext } from '../context';
import { Organization } from '../organization/organization.entity';
import { PractitionerRole } from './practitioner-role.entity';
import { CreatePractitionerRoleInput, PractitionerRolesArgs, UpdatePractitionerRoleInput } from './practitioner-role.inputs';
import { Practitioner } from './practitioner.entity';

@ObjectType()
export class PractitionerRoleConnection extends ConnectionType(PractitionerRole) {}

@Resolver(() => PractitionerRole)
export class PractitionerRoleResolver {
  @Mutation(() => PractitionerRole, { description: 'Adds a role of a practitioner at an organization' })
  createPractitionerRole(@Arg('input') input: CreatePractitionerRoleInput, @Ctx() ctx: PatientsContext): Promise<PractitionerRole> {
    return ctx.practitionerRoles.create(input);
  }

  @Mutation(() => PractitionerRole)
  updatePractitionerRole(@Arg('input') input: UpdatePractitionerRoleInput, @Ctx() ctx: PatientsContext): Promise<PractitionerRole> {
    return ctx.practitionerRoles.update(input);
  }

  @FieldResolver(() => Practitioner)
  async practitioner(@Root() role: PractitionerRole, @Ctx() ctx: PatientsContext): Promise<Practitioner> {
    return (await ctx.loaders.practitioner.load(role.practitioner.id))!; // foreign key: always there
  }

  @FieldResolver(() => Organization)
  async organization(@Root() role: PractitionerRole, @Ctx() ctx: PatientsContext): Promise<Organization> {
    return (await ctx.loaders.organization.load(role.organization.id))!;
  }
}

/** Organization.practitionerRoles: who works at an organization (paginated: large hospitals). */
@Resolver(() => Organization)
export class OrganizationRolesResolver {
  @FieldResolver(() => PractitionerRoleConnection, { description: 'Practitioner roles at this organization, oldest first' })
  practitionerRoles(@Root() organization: Organization, @Args() args: PractitionerRolesArgs, @Ctx() ctx: PatientsContext, @Info() info: GraphQLResolveInfo) {
    return ctx.practitionerRoles.ofOrganization(organization.id, args, selectsTotalCount(info));
  }
}
