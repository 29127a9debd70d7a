import { ConnectionType, selectsTotalCount } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { BillingContext } from '../context';
import { Money, toMoney } from '../money/money';
import { EncounterRef, OrganizationRef, PatientRef } from '../stubs';
import { Claim, ClaimItem, type StoredMoney } from './claim.entity';
import { PatientClaimsArgs } from './claim.inputs';

@ObjectType()
export class ClaimConnection extends ConnectionType(Claim) {}

const money = (stored: StoredMoney | null): Money | null => (stored ? toMoney(stored.minorUnits, stored.currency) : null);

@Resolver(() => Claim)
export class ClaimResolver {
  @Query(() => Claim, { nullable: true, description: 'One claim by id' })
  claim(@Arg('id', () => ID) id: string, @Ctx() ctx: BillingContext): Promise<Claim | null> {
    return ctx.loaders.claim.load(id);
  }

  @FieldResolver(() => Money, { nullable: true, description: 'The claim total (FHIR Claim.total)' })
  total(@Root() claim: Claim): Money | null {
    return claim.totalMinorUnits != null && claim.currency ? toMoney(claim.totalMinorUnits, claim.currency) : null;
  }

  @FieldResolver(() => [ClaimItem])
  items(@Root() claim: Claim): ClaimItem[] {
    return claim.items.map((item) => ({
      sequence: item.sequence,
      productOrService: item.productOrService,
      quantity: item.quantity,
      unitPrice: money(item.unitPrice),
      net: money(item.net),
      encounter: item.encounterId ? { id: item.encounterId } : null,
    }));
  }

  // Fields below cross into other subgraphs: nullable, so the gateway can answer with partial
  // data while one is down.
  @FieldResolver(() => PatientRef, { nullable: true })
  patient(@Root() claim: Claim): PatientRef {
    return { id: claim.patientId };
  }

  @FieldResolver(() => OrganizationRef, { nullable: true, description: 'The organization that bills (FHIR Claim.provider)' })
  provider(@Root() claim: Claim): OrganizationRef {
    return { id: claim.providerOrganizationId };
  }

  @FieldResolver(() => EncounterRef, { nullable: true, description: 'The encounter billed, if any' })
  encounter(@Root() claim: Claim): EncounterRef | null {
    return claim.encounterId ? { id: claim.encounterId } : null;
  }
}

@Resolver(() => PatientRef)
export class PatientClaimsResolver {
  @FieldResolver(() => ClaimConnection, { nullable: true, description: "The patient's claims, newest first" })
  claims(@Root() patient: PatientRef, @Args() args: PatientClaimsArgs, @Ctx() ctx: BillingContext, @Info() info: GraphQLResolveInfo) {
    return ctx.claims.listForPatient(patient.id, args, selectsTotalCount(info));
  }
}
