import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { BillingContext } from '../context';
import { PatientRef } from '../stubs';
import { BalanceService, PatientBalance } from './balance.service';

@Resolver(() => PatientRef)
export class PatientBalanceResolver {
  @FieldResolver(() => PatientBalance, { nullable: true, description: "What is still owed on the patient's claims: by the patient and by insurers, per currency" })
  balance(@Root() patient: PatientRef, @Ctx() ctx: BillingContext): Promise<PatientBalance | null> {
    return BalanceService.of(ctx).forPatient(patient.id);
  }
}
