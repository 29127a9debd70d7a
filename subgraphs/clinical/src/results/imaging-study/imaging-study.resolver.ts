import { declareReadNeeds, Coding, ConnectionType, type RequestContext, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PatientRef } from '../../stubs';
import { ImagingSeries, ImagingStudy } from './imaging-study.entity';
import { PatientImagingStudiesArgs } from './imaging-study.inputs';
import { imagingStudyById } from './imaging-study.loaders';
import { ImagingStudyService } from './imaging-study.service';

@ObjectType()
export class ImagingStudyConnection extends ConnectionType(ImagingStudy) {}

@Resolver(() => ImagingStudy)
export class ImagingStudyResolver {
  @Query(() => ImagingStudy, { nullable: true, description: 'One imaging study by id' })
  imagingStudy(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<ImagingStudy | null> {
    return imagingStudyById(ctx).load(id);
  }

  @FieldResolver(() => [ImagingSeries], { description: 'The series, in recorded order' })
  series(@Root() study: ImagingStudy): ImagingSeries[] {
    return study.series.map((series) => ({ ...series, startedAt: series.startedAt ? new Date(series.startedAt) : null }));
  }

  @FieldResolver(() => [Coding], { description: 'The body sites of its series, without duplicates' })
  bodySites(@Root() study: ImagingStudy): Coding[] {
    const seen = new Map<string, Coding>();
    for (const { bodySite } of study.series) if (bodySite && !seen.has(`${bodySite.system}|${bodySite.code}`)) seen.set(`${bodySite.system}|${bodySite.code}`, bodySite);
    return [...seen.values()];
  }
}

@Resolver(() => PatientRef)
export class PatientImagingStudiesResolver {
  @FieldResolver(() => ImagingStudyConnection, { nullable: true, description: "The patient's imaging studies from every organization, newest first" })
  imagingStudies(@Root() patient: PatientRef, @Args() args: PatientImagingStudiesArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return ImagingStudyService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read beyond their own (database/projection.ts)
declareReadNeeds(ImagingStudy, { fields: { bodySites: ['series'] } });
