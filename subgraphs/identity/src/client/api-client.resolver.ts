import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, ID, Info, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { IdentityContext } from '../context';
import { ApiClient } from './api-client.entity';
import { ApiClientsArgs, CreateApiClientInput } from './api-client.inputs';

@ObjectType()
export class ApiClientConnection extends ConnectionType(ApiClient) {}

@ObjectType({ description: 'A new partner app and its secret, shown this once' })
export class CreatedApiClient {
  @Field(() => ApiClient) client!: ApiClient;
  @Field(() => String) clientSecret!: string;
}

@Resolver(() => ApiClient)
export class ApiClientResolver {
  @Query(() => ApiClientConnection, { description: "The caller's organization's partner apps (org admins)" })
  apiClients(@Args() args: ApiClientsArgs, @Ctx() ctx: IdentityContext, @Info() info: GraphQLResolveInfo) {
    return ctx.apiClients.list(args, selectsTotalCount(info));
  }

  @Mutation(() => CreatedApiClient)
  createApiClient(@Arg('input', () => CreateApiClientInput) input: CreateApiClientInput, @Ctx() ctx: IdentityContext): Promise<CreatedApiClient> {
    return ctx.apiClients.create(input);
  }

  @Mutation(() => ApiClient)
  deactivateApiClient(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<ApiClient> {
    return ctx.apiClients.deactivate(id);
  }
}
