import { selectsTotalCount, type RequestContext } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Args, Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import { PatientRef } from '../stubs';
import { CareGapRule } from './care-gap-rule.entity';
import { CareGapPatientsArgs, PatientCareGapsArgs } from './care-gap.inputs';
import { CareGapService } from './care-gap.service';
import { CareGap, CareGapPatientConnection } from './care-gap.types';

@Resolver(() => CareGapRule)
export class CareGapResolver {
  @Query(() => [CareGapRule], { description: 'The preventive-care rules care gaps are evaluated against' })
  careGapRules(@Ctx() ctx: RequestContext): Promise<CareGapRule[]> {
    return CareGapService.of(ctx).rules();
  }

  @Query(() => CareGapPatientConnection, {
    description: "Patients registered at the caller's organization with open care gaps (DUE or OVERDUE), most overdue first "
      + '(earliest due date, then patient id). Physicians and nurses only.',
  })
  careGapPatients(@Args() args: CareGapPatientsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return CareGapService.of(ctx).patientsWithOpenGaps(args, selectsTotalCount(info));
  }
}

@Resolver(() => PatientRef)
export class PatientCareGapsResolver {
  @FieldResolver(() => [CareGap], {
    nullable: true,
    description: "The patient's preventive care that is due or overdue (and, when asked, met or not applicable), most urgent first",
  })
  careGaps(@Root() patient: PatientRef, @Args() args: PatientCareGapsArgs, @Ctx() ctx: RequestContext): Promise<CareGap[] | null> {
    return CareGapService.of(ctx).forPatient(patient.id, args);
  }
}
