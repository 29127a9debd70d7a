import { ConnectionType, badInput, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { validate as isUuid } from 'uuid';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { PatientsContext } from '../context';
import { Organization } from '../organization/organization.entity';
import { PractitionerRole } from './practitioner-role.entity';
import { Practitioner } from './practitioner.entity';
import { CreatePractitionerInput, PractitionersArgs, UpdatePractitionerInput } from './practitioner.inputs';
import { PractitionerQualification } from './qualification';

@ObjectType()
export class PractitionerConnection extends ConnectionType(Practitioner) {}

@Resolver(() => Practitioner)
export class PractitionerResolver {
  @Query(() => Practitioner, { nullable: true, description: 'One practitioner by id' })
  practitioner(@Arg('id', () => ID) id: string, @Ctx() ctx: PatientsContext): Promise<Practitioner | null> {
    if (!isUuid(id)) throw badInput('id', 'id must be a UUID');
    return ctx.loaders.practitioner.load(id);
  }

  @Query(() => PractitionerConnection, { description: 'Practitioners by name words, NPI and organization, in name order' })
  practitioners(@Args() args: PractitionersArgs, @Ctx() ctx: PatientsContext, @Info() info: GraphQLResolveInfo) {
    return ctx.practitioners.list(args, selectsTotalCount(info));
  }

  @Mutation(() => Practitioner)
  createPractitioner(@Arg('input') input: CreatePractitionerInput, @Ctx() ctx: PatientsContext): Promise<Practitioner> {
    return ctx.practitioners.create(input);
  }

  @Mutation(() => Practitioner)
  updatePractitioner(@Arg('input') input: UpdatePractitionerInput, @Ctx() ctx: PatientsContext): Promise<Practitioner> {
    return ctx.practitioners.update(input);
  }

  @FieldResolver(() => [PractitionerRole], { description: 'Where this practitioner works, in which roles' })
  roles(@Root() practitioner: Practitioner, @Ctx() ctx: PatientsContext): Promise<PractitionerRole[]> {
    return ctx.loaders.practitionerRoles.load(practitioner.id);
  }
}

@Resolver(() => PractitionerQualification)
export class PractitionerQualificationResolver {
  @FieldResolver(() => Organization, { nullable: true, description: 'The organization that issued it' })
  issuer(@Root() qualification: PractitionerQualification, @Ctx() ctx: PatientsContext): Promise<Organization | null> | null {
    return qualification.issuerId ? ctx.loaders.organization.load(qualification.issuerId) : null;
  }
}
