import { LocalDateScalar, type RequestContext } from '@caregraph/platform';
import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { BillingReportService } from './report.service';
import { BillingReport, MonthAmounts, PayerAmounts, PayerDenials, ReceivablesAging } from './report.types';

@Resolver(() => BillingReport)
export class BillingReportResolver {
  @Query(() => BillingReport, {
    description: "Totals of the caller's organization's claims (billing staff; partner apps with a Claim read scope) with service dates in from..to, both inclusive and optional. "
      + 'Each part is computed only when selected.',
  })
  billingReport(
    @Arg('from', () => LocalDateScalar, { nullable: true }) from: string | null,
    @Arg('to', () => LocalDateScalar, { nullable: true }) to: string | null,
    @Ctx() ctx: RequestContext,
  ): BillingReport {
    return BillingReportService.of(ctx).open(from, to);
  }

  @FieldResolver(() => [PayerAmounts], { description: 'Billed, allowed, paid and outstanding per payer and currency, by payer name' })
  byPayer(@Root() report: BillingReport, @Ctx() ctx: RequestContext): Promise<PayerAmounts[]> {
    return BillingReportService.of(ctx).byPayer(report);
  }

  @FieldResolver(() => [MonthAmounts], { description: 'Billed, allowed, paid and outstanding per service month and currency, oldest first' })
  byMonth(@Root() report: BillingReport, @Ctx() ctx: RequestContext): Promise<MonthAmounts[]> {
    return BillingReportService.of(ctx).byMonth(report);
  }

  @FieldResolver(() => [PayerDenials], { description: 'Denial rate per payer (denied / adjudicated claims) and per denial reason' })
  denials(@Root() report: BillingReport, @Ctx() ctx: RequestContext): Promise<PayerDenials[]> {
    return BillingReportService.of(ctx).denials(report);
  }

  @FieldResolver(() => [ReceivablesAging], {
    description: 'What payers (per payer and currency) and patients (per currency) still owe, by days from the service date to asOf: 0-30, 31-60, 61-90, over 90. Payers first, by name.',
  })
  aging(
    @Root() report: BillingReport,
    @Arg('asOf', () => LocalDateScalar, { nullable: true, description: 'The day ages count to (default today, UTC)' }) asOf: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<ReceivablesAging[]> {
    return BillingReportService.of(ctx).aging(report, asOf);
  }
}
