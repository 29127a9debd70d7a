import type { RequestContext } from '@caregraph/platform';
import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { PatientRef } from '../../stubs';
import { ObservationPoint, ObservationSeriesArgs } from './observation-series.types';
import { ObservationSeriesService } from './observation-series.service';

@Resolver(() => PatientRef)
export class PatientObservationSeriesResolver {
  @FieldResolver(() => [ObservationPoint], {
    nullable: true,
    description: 'One measurement over time (e.g. weight, HbA1c, blood pressure) from every organization, oldest first: the most recent 5000 points at most',
  })
  observationSeries(@Root() patient: PatientRef, @Args() args: ObservationSeriesArgs, @Ctx() ctx: RequestContext): Promise<ObservationPoint[] | null> {
    return ObservationSeriesService.of(ctx).series(patient.id, args);
  }
}
