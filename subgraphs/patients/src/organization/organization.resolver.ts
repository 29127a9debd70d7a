import { selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, ID, Info, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { ConnectionType } from '@caregraph/platform';
import type { PatientsContext } from '../context';
import { Organization } from './organization.entity';
import { CreateOrganizationInput, OrganizationsArgs, UpdateOrganizationInput } from './organization.inputs';

@ObjectType()
export class OrganizationConnection extends ConnectionType(Organization) {}

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { nullable: true, description: 'One organization by id' })
  organization(@Arg('id', () => ID) id: string, @Ctx() ctx: PatientsContext): Promise<Organization | null> {
    return ctx.loaders.organization.load(id);
  }

  @Query(() => OrganizationConnection, { description: 'Organizations by name prefix and type, in name order' })
  organizations(@Args() args: OrganizationsArgs, @Ctx() ctx: PatientsContext, @Info() info: GraphQLResolveInfo) {
    return ctx.organizations.list(args, selectsTotalCount(info));
  }

  @Mutation(() => Organization)
  createOrganization(@Arg('input') input: CreateOrganizationInput, @Ctx() ctx: PatientsContext): Promise<Organization> {
    return ctx.organizations.create(input);
  }

  @Mutation(() => Organization)
  updateOrganization(@Arg('input') input: UpdateOrganizationInput, @Ctx() ctx: PatientsContext): Promise<Organization> {
    return ctx.organizations.update(input);
  }
}
