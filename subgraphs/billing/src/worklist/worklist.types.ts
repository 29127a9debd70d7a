import { ConnectionType } from '@caregraph/platform';
import { Field, Int, ObjectType } from 'type-graphql';
import { Claim } from '../claim/claim.entity';
import { BillingAmounts } from './billing-amounts';
import type { ClaimQuery } from './claim-query';

@ObjectType({ description: 'Count and sums of every claim a filter matches, per currency' })
export class ClaimTotals {
  @Field(() => Int) count!: number;
  @Field(() => [BillingAmounts], { description: 'One entry per currency, by code' }) byCurrency!: BillingAmounts[];
}

@ObjectType({ description: "A page of the caller's organization's claims, with the totals of the whole filtered set" })
export class ClaimWorklist extends ConnectionType(Claim, 'ClaimWorklist') {
  /** The filter the page was read with: what `totals` sums. */
  query!: ClaimQuery;
  /** The totals, when started beside the page (or once asked for). */
  pendingTotals?: Promise<ClaimTotals>;
}
