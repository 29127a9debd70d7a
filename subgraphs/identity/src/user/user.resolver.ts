import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, ID, Info, Mutation, ObjectType, Query, Resolver, createUnionType } from 'type-graphql';
import { ApiClient } from '../client/api-client.entity';
import type { IdentityContext } from '../context';
import { UserAccount } from './user-account.entity';
import { ChangePasswordArgs, ConfirmTotpArgs, CreateUserInput, UpdateUserInput, UsersArgs } from './user.inputs';
import type { TotpEnrollment as TotpEnrollmentShape } from './user.service';

@ObjectType()
export class UserAccountConnection extends ConnectionType(UserAccount) {}

@ObjectType({ description: 'Scan otpauthUri (or type secret) into an authenticator app, then confirm with a code' })
export class TotpEnrollment implements TotpEnrollmentShape {
  @Field(() => String) secret!: string;
  @Field(() => String) otpauthUri!: string;
}

export const Caller = createUnionType({
  name: 'Caller',
  description: 'Who is signed in: a person or a partner app',
  types: () => [UserAccount, ApiClient] as const,
  resolveType: (value) => (value instanceof ApiClient ? ApiClient : UserAccount),
});

@Resolver(() => UserAccount)
export class UserResolver {
  @Query(() => Caller, { description: 'The caller: their account, or the partner app' })
  me(@Ctx() ctx: IdentityContext): Promise<UserAccount | ApiClient> {
    return ctx.users.me();
  }

  @Query(() => UserAccountConnection, { description: "The caller's organization's accounts, oldest first (org admins, compliance)" })
  users(@Args() args: UsersArgs, @Ctx() ctx: IdentityContext, @Info() info: GraphQLResolveInfo) {
    return ctx.users.list(args, selectsTotalCount(info));
  }

  @Mutation(() => UserAccount)
  createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: IdentityContext): Promise<UserAccount> {
    return ctx.users.create(input);
  }

  @Mutation(() => UserAccount)
  updateUser(@Arg('input', () => UpdateUserInput) input: UpdateUserInput, @Ctx() ctx: IdentityContext): Promise<UserAccount> {
    return ctx.users.update(input);
  }

  @Mutation(() => UserAccount, { description: 'Blocks sign-in and ends the account’s sessions' })
  deactivateUser(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<UserAccount> {
    return ctx.users.deactivate(id);
  }

  @Mutation(() => TotpEnrollment)
  startTotpEnrollment(@Ctx() ctx: IdentityContext): Promise<TotpEnrollment> {
    return ctx.users.startTotpEnrollment();
  }

  @Mutation(() => UserAccount)
  confirmTotpEnrollment(@Args() { code }: ConfirmTotpArgs, @Ctx() ctx: IdentityContext): Promise<UserAccount> {
    return ctx.users.confirmTotpEnrollment(code);
  }

  @Mutation(() => Boolean, { description: "Changes the caller's password and ends their other sessions" })
  changePassword(@Args() args: ChangePasswordArgs, @Ctx() ctx: IdentityContext): Promise<boolean> {
    return ctx.users.changePassword(args);
  }
}
