import { declareReadNeeds, ConnectionType, type RequestContext, listSelection } from '@caregraph/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { PatientRef } from '../../stubs';
import { Observation } from '../observation/observation.entity';
import { DiagnosticReport } from './diagnostic-report.entity';
import { PatientDiagnosticReportsArgs } from './diagnostic-report.inputs';
import { reportById } from './diagnostic-report.loaders';
import { DiagnosticReportService } from './diagnostic-report.service';

@ObjectType()
export class DiagnosticReportConnection extends ConnectionType(DiagnosticReport) {}

@Resolver(() => DiagnosticReport)
export class DiagnosticReportResolver {
  @Query(() => DiagnosticReport, { nullable: true, description: 'One diagnostic report by id' })
  diagnosticReport(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<DiagnosticReport | null> {
    return reportById(ctx).load(id);
  }

  @FieldResolver(() => [Observation], { description: 'The observations it reports (FHIR result), in report order' })
  results(@Root() report: DiagnosticReport, @Ctx() ctx: RequestContext): Promise<Observation[]> {
    return DiagnosticReportService.of(ctx).results(report);
  }
}

@Resolver(() => PatientRef)
export class PatientDiagnosticReportsResolver {
  @FieldResolver(() => DiagnosticReportConnection, { nullable: true, description: "The patient's diagnostic reports from every organization, newest first" })
  diagnosticReports(@Root() patient: PatientRef, @Args() args: PatientDiagnosticReportsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return DiagnosticReportService.of(ctx).listForPatient(patient.id, args, listSelection(info));
  }
}

// the columns the fields above read (database/projection.ts)
declareReadNeeds(DiagnosticReport, { fields: { results: ['resultIds'] } });
