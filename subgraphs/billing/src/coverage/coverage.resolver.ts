import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { BillingContext } from '../context';
import { Payer } from '../payer/payer.entity';
import { PatientRef } from '../stubs';
import { Coverage } from './coverage.entity';
import { CoverageService } from './coverage.service';

@Resolver(() => Coverage)
export class CoverageResolver {
  @FieldResolver(() => Payer, { nullable: true, description: 'Who pays: the insurer, or self-pay' })
  payer(@Root() coverage: Coverage, @Ctx() ctx: BillingContext): Promise<Payer | null> {
    return ctx.loaders.payer.load(coverage.payerId);
  }

  @FieldResolver(() => PatientRef, { nullable: true, description: 'The beneficiary' })
  patient(@Root() coverage: Coverage): PatientRef {
    return { id: coverage.patientId };
  }
}

@Resolver(() => PatientRef)
export class PatientCoveragesResolver {
  @FieldResolver(() => [Coverage], { nullable: true, description: "The patient's insurance, in order of benefits (primary first)" })
  coverages(@Root() patient: PatientRef, @Ctx() ctx: BillingContext): Promise<Coverage[] | null> {
    return CoverageService.of(ctx).forPatient(patient.id);
  }
}
