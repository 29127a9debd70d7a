import { PageArgs, type RequestContext } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { ClaimFilter, ClaimOrder } from './claim-filter.inputs';
import { ClaimWorklistService } from './worklist.service';
import { ClaimTotals, ClaimWorklist } from './worklist.types';

/** Whether the field's own selection names one of `fields` (so that work can start with the page). */
function selectsAny(info: GraphQLResolveInfo, fields: readonly string[]): boolean {
  return info.fieldNodes.some((node) => node.selectionSet?.selections.some((selection) => selection.kind === 'Field' && fields.includes(selection.name.value)));
}

@Resolver(() => ClaimWorklist)
export class ClaimWorklistResolver {
  @Query(() => ClaimWorklist, {
    description: "The caller's organization's claims (billing staff; partner apps with a Claim read scope), filtered, sorted (default: newest service date first) "
      + 'and keyset-paginated, with totals of the whole filtered set. The same filter exports as CSV: GET /billing/claims.csv on the gateway.',
  })
  claims(
    @Arg('filter', () => ClaimFilter, { nullable: true }) filter: ClaimFilter | null,
    @Arg('orderBy', () => ClaimOrder, { nullable: true, description: 'Default: SERVICE_DATE, DESC' }) orderBy: ClaimOrder | null,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ClaimWorklist> {
    return ClaimWorklistService.of(ctx).list(filter, orderBy, page, selectsAny(info, ['totals', 'totalCount']));
  }

  @FieldResolver(() => ClaimTotals, { description: 'Count and sums of every claim the filter matches (not only this page), per currency' })
  totals(@Root() worklist: ClaimWorklist, @Ctx() ctx: RequestContext): Promise<ClaimTotals> {
    return ClaimWorklistService.of(ctx).totalsOf(worklist);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'How many claims the filter matches (totals.count)' })
  async totalCount(@Root() worklist: ClaimWorklist, @Ctx() ctx: RequestContext): Promise<number> {
    return (await ClaimWorklistService.of(ctx).totalsOf(worklist)).count;
  }
}
