import { Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { PatientsContext } from '../context';
import { BreakGlassAccess } from './break-glass.entity';
import { BreakGlassArgs } from './break-glass.inputs';

@Resolver(() => BreakGlassAccess)
export class BreakGlassResolver {
  @Mutation(() => BreakGlassAccess, {
    description: `Emergency access to a patient you cannot otherwise see, for 60 minutes (physicians and nurses). Audited.`,
  })
  breakGlass(@Args() args: BreakGlassArgs, @Ctx() ctx: PatientsContext): Promise<BreakGlassAccess> {
    return ctx.breakGlass.start(args);
  }

  @FieldResolver(() => ID)
  patientId(@Root() access: BreakGlassAccess): string {
    return access.patient.id;
  }
}
